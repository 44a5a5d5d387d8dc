"""RealtimeReplyOutput: the model's output as downstream frames, in order, droppable on barge-in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import (
    InterimTranscriptFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    MetricsFrame,
    OutputAudioFrame,
    ResponseEndFrame,
    ResponseStartFrame,
    TranscriptFrame,
    TTSAudioFrame,
)
from voicegraph.processors.s2s.reply_emitter import ReplyEmitter
from voicegraph.processors.s2s.s2s_frames import BotTranscriptFrame

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable

    from voicegraph.framework.formats import AudioFormat
    from voicegraph.framework.frames.base import Frame
    from voicegraph.framework.outbox import Outbox
    from voicegraph.processors.s2s.realtime_conversation_log import RealtimeConversationLog
    from voicegraph.processors.s2s.realtime_options import RealtimeOptions
    from voicegraph.processors.s2s.realtime_server_events import (
        AudioDelta,
        RealtimeTextDelta,
        TextDone,
        UserTranscript,
    )
    from voicegraph.processors.s2s.reply_audio_ledger import ReplyAudioLedger


class RealtimeReplyOutput:
    """Turns provider output events into frames and queues them on a `ReplyEmitter`.

    Output of a response goes out only while the ledger accepts it (not cut, same
    interruption epoch). A reply's first audio opens it with `ResponseStartFrame` (text
    replies: `LLMResponseStartFrame`) and `close_reply` queues the matching end marker.
    Transcript text that arrived since the last audio chunk rides on the next chunk as
    a `TTSAudioFrame`, so the output's played-words report covers it. Also publishes
    `first_audio_ms` (turn end to first reply audio) once per turn.

    Args:
        name: the node's name (metrics).
        outbox: the node's outbox (background sends).
        ledger: reply audio bookkeeping.
        log: the local conversation.
        options: transcripts on/off, queue bound.
        fmt: the provider's output audio format.
        now: the graph clock.
        epoch: the graph's current interruption epoch.
        changed: set after each frame goes out.
        report: publishes a coded error (a frame that could not be sent).
    """

    def __init__(
        self,
        *,
        name: str,
        outbox: Outbox,
        ledger: ReplyAudioLedger,
        log: RealtimeConversationLog,
        options: RealtimeOptions,
        fmt: AudioFormat,
        now: Callable[[], int],
        epoch: Callable[[], int],
        changed: asyncio.Event,
        report: Callable[[VoiceError], None],
    ) -> None:
        self.name, self.outbox, self.ledger, self.log = name, outbox, ledger, log
        self.options, self.format, self.now, self.epoch, self.changed = options, fmt, now, epoch, changed
        self.emitter = ReplyEmitter(
            outbox.send, self._sent, limit=options.max_queued_frames, on_error=self._failed
        )
        self._report = report
        self.started: dict[str, type[Frame]] = {}  # response id -> end marker owed downstream
        self.turn_end_ns: int | None = None
        self.dropped_deltas = 0
        self._text: dict[str, str] = {}  # response id -> transcript not yet attached to audio
        self._user_text: dict[str, str] = {}

    def accepts(self, response_id: str) -> bool:
        """Whether output of this response may still go out (counts the refusals)."""
        ok = self.ledger.accepts(response_id, self.epoch())
        if not ok:
            self.dropped_deltas += 1
        return ok

    def close_reply(self, response_id: str, *, tag: str) -> None:
        """Queue the end marker a started reply owes downstream (tagged `tag` for drops)."""
        self._text.pop(response_id, None)
        end = self.started.pop(response_id, None)
        if end is ResponseEndFrame:
            self.emitter.put(tag, ResponseEndFrame(response_id=response_id))
        elif end is not None:
            self.emitter.put(tag, end())

    def close_all(self) -> None:
        """End every started reply (their session is gone; what arrived still plays)."""
        for response_id in list(self.started):
            self.close_reply(response_id, tag="")
        self._text.clear()

    def _failed(self, exc: Exception) -> None:
        if not isinstance(exc, VoiceError):
            exc = VoiceError(
                ErrorCode.PIPELINE_ERROR, f"sending reply output failed: {exc!r}", node=self.name
            )
        self._report(exc)

    def _sent(self, response_id: str, frame: Frame) -> None:
        if isinstance(frame, OutputAudioFrame):
            self.ledger.emitted(response_id, frame.duration_ns, self.now())
        self.changed.set()

    async def user_transcript(self, event: UserTranscript) -> None:
        """The user's words: interim frames while they stream, then the final one."""
        if event.final:
            self._user_text.pop(event.item_id, None)
            self.log.set_text(event.item_id, event.text)
            frame: TranscriptFrame = TranscriptFrame(text=event.text, user_id="user")
        else:
            text = self._user_text[event.item_id] = self._user_text.get(event.item_id, "") + event.text
            frame = InterimTranscriptFrame(text=text, user_id="user")
        if self.options.user_transcripts:
            self.emitter.put("", frame)

    async def audio(self, event: AudioDelta) -> None:
        """Reply audio."""
        rid = event.response_id
        if not self.accepts(rid) or not event.audio:
            return
        self.ledger.received(rid, event.item_id, self.format.duration_ns(len(event.audio)))
        if rid not in self.started:
            self.started[rid] = ResponseEndFrame
            self.emitter.put(rid, ResponseStartFrame(response_id=rid))
            await self._first_audio_metric()
        text = self._text.pop(rid, "")
        if text:
            self.emitter.put(rid, TTSAudioFrame(data=event.audio, format=self.format, text=text))
        else:
            self.emitter.put(rid, OutputAudioFrame(data=event.audio, format=self.format))

    async def _first_audio_metric(self) -> None:
        if self.turn_end_ns is not None:
            ms = (self.now() - self.turn_end_ns) / 1e6
            self.turn_end_ns = None
            await self.outbox.send(MetricsFrame(node=self.name, values={"first_audio_ms": ms}))

    async def text_delta(self, event: RealtimeTextDelta) -> None:
        """Transcript of the reply audio, or the reply itself in a text-only session."""
        rid = event.response_id
        if not self.accepts(rid):
            return
        self.log.add_text(event.item_id, event.text)
        if not event.transcript:
            if rid not in self.started:
                self.started[rid] = LLMResponseEndFrame
                self.emitter.put(rid, LLMResponseStartFrame())
            self.emitter.put(rid, LLMTextFrame(text=event.text))
            return
        self._text[rid] = self._text.get(rid, "") + event.text
        if self.options.bot_transcripts:
            self.emitter.put(rid, BotTranscriptFrame(text=event.text, response_id=rid, item_id=event.item_id))

    async def text_done(self, event: TextDone) -> None:
        """The whole transcript (or text) of a reply item."""
        rid = event.response_id
        if not self.accepts(rid):
            return
        self.log.set_text(event.item_id, event.text, role="assistant")
        if event.transcript and self.options.bot_transcripts:
            final = BotTranscriptFrame(text=event.text, final=True, response_id=rid, item_id=event.item_id)
            self.emitter.put(rid, final)
