"""UserAggregator: final transcripts of a user turn in, one LLM request per turn out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import (
    InputAudioFrame,
    InterruptFrame,
    LLMMessagesFrame,
    ReplyHoldFrame,
    StreamTimeFrame,
    TranscriptFrame,
    TurnConfirmedFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles
from voicegraph.processors.context.conversation_context import ConversationContext, Message
from voicegraph.processors.context.input_audio import input_audio_part, user_content
from voicegraph.processors.context.reply_gate import ReplyGate
from voicegraph.processors.context.shared_contexts import shared_context
from voicegraph.processors.turn.stream_stamps import StreamStamps

if TYPE_CHECKING:
    from collections.abc import Mapping

    from voicegraph.framework.context import StartContext
    from voicegraph.framework.formats import AudioFormat
    from voicegraph.processors.context.tentative_user import TentativeUser
    from voicegraph.processors.memory.sqlite_memory_store import SQLiteMemoryStore


class UserAggregator(Processor):
    """Collects the user's final transcripts per turn and asks the LLM to answer.

    Handles: final `TranscriptFrame`s (joined with spaces; interim ones pass by; one that
    `revises` replaces the turn's finals so far, and a reply prepared for the old words
    is dropped and asked again) and the
    in-band `TurnEndFrame`, which closes the turn: the text is appended to the
    `ConversationContext` as a user message and `LLMMessagesFrame(messages=...)` goes
    downstream (after the forwarded `TurnEndFrame`). Flows without VAD or turn events
    (text clients, tests) work too: until a `UserStartedSpeakingFrame`,
    `UserStoppedSpeakingFrame` or `TurnEndFrame` has been seen, each final transcript is
    a turn of its own (`end_on_transcript=None`, the default; True/False force it). A
    final transcript arriving after a turn end that had no text (a slow STT), before the
    user speaks again, closes that turn at once, however late (`late_transcript_s` can
    bound it); once the user speaks again, the words join the new turn. With `include_audio`, the turn's
    `InputAudioFrame`s (from the first speech start to the turn end, at most
    `max_audio_s`) are added as an OpenAI `input_audio` part beside the text (give the
    STT `forward_audio=True` so audio reaches this node).

    With `preemptive`, the request goes out as soon as a final transcript arrives while
    the user is silent, before the turn end (the LLM and TTS then work while the turn
    detector still waits): a `ReplyHoldFrame` (system) first tells a `ReplyGate` before
    the output to hold the reply; the user message enters the context as tentative. The
    turn end confirms it (`TurnConfirmedFrame` releases the held reply). A final that
    comes after the turn end (a slow STT's last words, no new speech) is not asked about
    beside the reply already playing: it stays pending and joins the next turn. If the
    user speaks again first, the prepared reply is dropped by an interruption (requested here
    when the VAD did not already), the tentative message is taken back, and the words
    stay pending for the next request. Not with `include_audio`.

    Every frame is forwarded. Latency: none (it acts on the turn end). Not
    interruptible: user input survives barge-in. Drain: a turn with pending text is
    closed as if the turn had ended.

    On start it renders the system prompt with the session's variables, so a missing one
    fails the session start with `invalid_config` naming it. Session variables come from
    the runtime metadata key `variables` (a mapping); the session id for memory from
    `session_id`.

    Args:
        context: the `ConversationContext` to fill, or the name of one shared within the
            running graph (the `AssistantAggregator` names the same one).
        system_prompt: sets the context's system prompt template (None keeps it).
        variables: default template variables (the session's own override them).
        max_context_chars: sets a `ContextWindow` of this many characters on the context.
        memory_db: sets a `SessionMemory` on a SQLite file (history per session id,
            restored at start, compacted into a summary past its budget).
        preemptive: start the reply on the transcript, before the turn end (needs a
            `ReplyGate` between the TTS and the output).
        rejoin_s: when the user starts speaking again within this long after the end of
            the speech that closed the last turn, that turn ended too early (a pause,
            not an end): its user message is taken back (unless already persisted), the
            barely started reply is cut, and the words are asked about again together
            with what follows. 0 turns it off. Measured on the input stream's clock
            when the VAD and turn detector stamp their frames (`StreamTimeFrame`), so
            a burst of queued audio is judged as it was spoken.
    """

    interruptible = False
    latency = LatencySpec(ms=0.0, note="acts on the turn end")

    def __init__(
        self,
        *,
        context: ConversationContext | str = "default",
        system_prompt: str | None = None,
        variables: Mapping[str, Any] | None = None,
        end_on_transcript: bool | None = None,
        late_transcript_s: float | None = None,
        include_audio: bool = False,
        max_audio_s: float = 30.0,
        max_context_chars: int | None = None,
        memory_db: str | None = None,
        preemptive: bool = False,
        rejoin_s: float = 0.0,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self._context = context if isinstance(context, ConversationContext) else None
        self._context_name = context if isinstance(context, str) else ""
        self._system_prompt = system_prompt
        self._variables = dict(variables or {})
        self._end_on_transcript = end_on_transcript
        self._late_ns = None if late_transcript_s is None else int(late_transcript_s * 1e9)
        self._include_audio = include_audio
        self._max_audio_bytes = 0
        self._max_audio_s = max_audio_s
        self._texts: list[str] = []
        self._audio: list[bytes] = []
        self._audio_format: AudioFormat | None = None
        self._capturing = False
        self._turn_events = False
        self._empty_end_ns: int | None = None
        self._max_context_chars = max_context_chars
        self._memory_db = memory_db
        self._own_store: SQLiteMemoryStore | None = None
        self._preemptive = preemptive and not include_audio
        self._speaking = False
        self._turn_open = False  # a user start seen and its turn end not yet
        self._turns = 0
        self._held: TentativeUser | None = None  # the tentative turn a held reply answers
        self._rejoin_ns = round(rejoin_s * 1e9)
        self._stamps = StreamStamps()
        self._turn_end: tuple[int, bool] = (
            0,
            False,
        )  # speech end of the turn being closed, on the stream clock?
        self._last_turn: tuple[Message, str, tuple[int, bool]] | None = None  # message, text, speech end

    @property
    def context(self) -> ConversationContext:
        """The conversation context (resolved by name once the graph started)."""
        if self._context is None:
            raise RuntimeError(f"{self.name}: the shared context {self._context_name!r} exists once started")
        return self._context

    async def on_start(self, ctx: StartContext) -> None:
        """Resolve the context, apply the prompt and the session's variables, restore memory."""
        if self._preemptive and not any(isinstance(p, ReplyGate) for p in ctx.processors.values()):
            msg = "preemptive replies need a ReplyGate before the output (else they play before the turn end)"
            raise VoiceError(ErrorCode.INVALID_CONFIG, msg, node=self.name)
        if self._context is None:
            self._context = shared_context(ctx.shared, self._context_name)
        context = self._context
        self._configure_memory(context)
        if self._system_prompt is not None:
            context.system_prompt = self._system_prompt
        session_vars = ctx.metadata.get("variables") or {}
        context.set_variables({**self._variables, **dict(session_vars)})
        context.render_system()
        session_id = ctx.metadata.get("session_id")
        if session_id:
            await context.restore(str(session_id))

    def _configure_memory(self, context: ConversationContext) -> None:
        # imported here: the memory package imports this one's message helpers
        from voicegraph.processors.memory.context_window import ContextWindow
        from voicegraph.processors.memory.session_memory import SessionMemory
        from voicegraph.processors.memory.sqlite_memory_store import SQLiteMemoryStore

        if self._max_context_chars:
            context.window = ContextWindow(max_chars=self._max_context_chars)
        if self._memory_db is not None:
            self._own_store = SQLiteMemoryStore(self._memory_db)
            context.memory = SessionMemory(self._own_store)

    @handles
    async def on_transcript(self, frame: TranscriptFrame, out: Outbox) -> None:
        await out.send(frame)
        if not frame.final or not frame.text.strip():
            return
        if frame.revises:
            self._texts = [frame.text.strip()]
            if self._held is not None and str(self._held.content) != self._texts[0]:
                await out.request_interrupt("turn_revised")  # the prepared reply answers old words
                self._take_back()
        else:
            self._texts.append(frame.text.strip())
        late = self._late_for_empty_turn()
        per_transcript = self._end_on_transcript
        if per_transcript is None:
            per_transcript = not self._turn_events
        if per_transcript or late:
            await self._finish_turn(out)
        elif self._preemptive and not self._speaking and self._turn_open:
            await self._prepare_reply(out)
        # after its turn ended (and no new speech), a late final stays pending: a reply
        # may be playing for that turn, so asking now would start a second one beside it

    def _late_for_empty_turn(self) -> bool:
        """Whether a final transcript now belongs to the last turn end, which had no text."""
        ended = self._empty_end_ns
        if ended is None or self._speaking:
            return False
        return self._late_ns is None or self.clock.now_ns() - ended <= self._late_ns

    @handles
    async def on_turn_end(self, frame: TurnEndFrame, out: Outbox) -> None:
        self._turn_events = True
        self._turn_open = False
        stamp = self._stamps.peek(frame)
        self._turn_end = (frame.speech_end_ns, False) if stamp is None else (stamp.speech_ns, True)
        await out.send(frame)
        if self._held is not None:
            await self._confirm_turn(out)
        elif self._texts:
            await self._finish_turn(out)
        else:
            self._empty_end_ns = self.clock.now_ns()
            self._reset_audio()

    @handles
    async def on_user_started(self, frame: UserStartedSpeakingFrame, out: Outbox) -> None:
        self._turn_events = True
        self._speaking = True
        self._turn_open = True
        self._capturing = self._include_audio
        await out.send(frame)
        if self._held is not None:  # the user went on: the prepared reply is wrong
            await out.request_interrupt("user_resumed")
            self._take_back()
        elif (last := self._rejoinable(self._speech_start(frame))) is not None:
            self._last_turn = None
            message, text, _ = last
            if self.context.retract(message):  # the last turn was a pause: ask again, whole
                self._texts.insert(0, text)
                await out.request_interrupt("turn_rejoined")

    @handles
    async def on_stamp(self, frame: StreamTimeFrame, out: Outbox) -> None:
        self._stamps.add(frame)
        await out.send(frame)

    def _speech_start(self, frame: UserStartedSpeakingFrame) -> tuple[int, bool]:
        stamp = self._stamps.peek(frame)
        return (frame.speech_start_ns, False) if stamp is None else (stamp.speech_ns, True)

    def _rejoinable(self, start: tuple[int, bool]) -> tuple[Message, str, tuple[int, bool]] | None:
        """The last turn, if speech resumed within `rejoin_s` of its end (on one clock)."""
        last = self._last_turn
        if not self._rejoin_ns or last is None or not start[0] or not last[2][0] or start[1] != last[2][1]:
            return None
        return last if start[0] - last[2][0] <= self._rejoin_ns else None

    @handles
    async def on_user_stopped(self, frame: UserStoppedSpeakingFrame, out: Outbox) -> None:
        self._turn_events = True
        self._speaking = False
        await out.send(frame)

    @handles
    async def on_interrupt(self, frame: InterruptFrame, out: Outbox) -> None:
        self._take_back()  # a held reply was just flushed

    # -- preemptive replies ----------------------------------------------------------------
    async def _prepare_reply(self, out: Outbox) -> None:
        """Ask for the reply now, held downstream until the turn end confirms it."""
        if self._held is not None:  # more words since the last request: ask again
            await out.request_interrupt("turn_extended")
            self._take_back()
        self._turns += 1
        await out.send(ReplyHoldFrame(turn=self._turns))
        context = self.context
        self._held = context.add_tentative_user(" ".join(self._texts))
        await out.send(LLMMessagesFrame(messages=context.messages()))

    async def _confirm_turn(self, out: Outbox) -> None:
        held, self._held = self._held, None
        if held is None:
            return
        self._texts.clear()
        self._empty_end_ns = None
        self._reset_audio()
        message = self.context.confirm(held)
        self._last_turn = (message, str(held.content), self._turn_end)
        await out.send(TurnConfirmedFrame(turn=self._turns))
        await self.context.sync()

    def _take_back(self) -> None:
        """Forget the held reply's tentative user turn; its words stay pending."""
        held, self._held = self._held, None
        if held is not None:
            self.context.retract(held)

    @handles
    async def on_audio(self, frame: InputAudioFrame, out: Outbox) -> None:
        if self._capturing:
            self._keep_audio(frame)
        await out.send(frame)

    def _keep_audio(self, frame: InputAudioFrame) -> None:
        if self._audio_format != frame.format:
            self._audio.clear()
            self._audio_format = frame.format
            self._max_audio_bytes = frame.format.bytes_for(int(self._max_audio_s * 1e9))
        if sum(len(a) for a in self._audio) + len(frame.data) <= self._max_audio_bytes:
            self._audio.append(frame.data)

    def _reset_audio(self) -> None:
        self._audio.clear()
        self._capturing = False

    async def _finish_turn(self, out: Outbox) -> None:
        if self._held is not None:  # a held reply already answers these words
            await self._confirm_turn(out)
            return
        text = " ".join(self._texts)
        self._texts.clear()
        self._empty_end_ns = None
        audio = None
        if self._audio and self._audio_format is not None:
            audio = input_audio_part(b"".join(self._audio), self._audio_format)
        self._reset_audio()
        context = self.context
        message = context.add_user(user_content(text, audio))
        self._last_turn = (message, text, self._turn_end)
        await out.send(LLMMessagesFrame(messages=context.messages()))
        await context.sync()

    async def on_drain(self, out: Outbox) -> None:
        if self._texts:
            await self._finish_turn(out)

    async def on_stop(self) -> None:
        if self._own_store is not None:
            store, self._own_store = self._own_store, None
            await store.aclose()
