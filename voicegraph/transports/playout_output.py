"""PlayoutOutput: the output side every transport shares — paced playout of bot audio."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from voicegraph.framework.convert import AudioConverter
from voicegraph.framework.errors import VoiceError
from voicegraph.framework.frames.audio import AudioFrame, OutputAudioFrame, TTSAudioFrame
from voicegraph.framework.frames.base import Frame
from voicegraph.framework.frames.call import CallActionFrame
from voicegraph.framework.frames.control import ResponseEndFrame, ResponseStartFrame
from voicegraph.framework.frames.system import (
    BotStoppedSpeakingFrame,
    ErrorFrame,
    InterruptFrame,
)
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import handles
from voicegraph.processors.vad.playout_hold import playout_hold
from voicegraph.transports.paced_playout import PacedPlayout
from voicegraph.transports.playout_buffer import PlayoutMarker
from voicegraph.transports.playout_chunker import PlayoutChunker

if TYPE_CHECKING:
    from collections.abc import Callable

    from voicegraph.framework.context import StartContext


log = logging.getLogger("voicegraph.transports")


class PlayoutOutput(PacedPlayout):
    """Base of every output transport node: plays bot audio in real time, in fixed chunks.

    Handles `OutputAudioFrame` (incl. `TTSAudioFrame`): converted to the output format,
    cut into `chunk_ms` chunks and queued in a small bounded buffer (`buffer_ms`; a full
    buffer backpressures the graph, so a long reply waits upstream instead of bursting).
    A background loop (`PacedPlayout`) writes one chunk per chunk period at absolute
    deadlines on the graph clock (no drift); when it wakes later than `qos_threshold_ms`
    it sends a `QoSFrame` upstream and re-anchors instead of bursting to catch up. Other audio
    frames pass through unplayed. `ResponseStartFrame`/`ResponseEndFrame` delimit
    replies; without them a reply ends when the bot stops speaking. A `CallActionFrame`
    (`EndCallFrame`, `TransferCallFrame`) is carried out once the audio queued before it
    has played or been cut (`perform_call_action`; the first one counts); audio queued
    after it is cut, and later audio dropped, unless the action fails. Every other
    frame is offered to the medium as an event (`write_event`) and passed on.

    Emits `BotStartedSpeakingFrame` and `BotStoppedSpeakingFrame` (after `stop_hold_ms`
    of silence, or at a reply's end) both downstream and upstream, and upstream a
    `ReplyPlayedFrame` per reply with the audio and words played. A medium that echoes
    marks (`marks = True`, `on_mark`) reports a reply when its end mark comes back, and
    on interruption reports the position the marks confirmed (see `ReplyLedger`).

    Latency: one chunk. Flush (interruption): the queued audio is dropped and playout
    stops at the next chunk boundary (within one chunk); the medium is told to clear
    its buffer, and the cut reply is reported with `interrupted=True`. Drain: plays
    everything queued, reports, then lets the end frame go on.

    Subclasses implement `write_audio` and may override `write_event`, `write_clear`,
    `write_mark` and `perform_call_action`.
    """

    _call_action: CallActionFrame | None = None  # the one being (or that was) carried out
    _spawn: Callable[..., object] | None = None  # the graph's task spawner, from on_start

    async def perform_call_action(self, frame: CallActionFrame) -> None:
        """Hang up or transfer, the audio before `frame` played; a medium with calls overrides it.

        Raises:
            VoiceError: the action cannot be carried out; it is reported upstream as an
                `ErrorFrame` and a later call action may try again.
        """
        log.info("%s: %s has no call to act on", self.name, type(frame).__name__)

    # -- graph side ---------------------------------------------------------------------
    async def on_start(self, ctx: StartContext) -> None:
        fmt = self.audio_format or ctx.input_format
        if fmt is not None:
            self._chunker = PlayoutChunker(fmt, self.chunk_ms)
        self._settled.set()
        self._spawn = ctx.spawn
        self._shared = ctx.shared
        playout_hold(ctx.shared).attach(self.pause, self.resume)
        ctx.spawn(self._run(), name=f"{self.name}:playout")

    @handles
    async def on_audio(self, frame: AudioFrame, out: Outbox) -> None:
        if not isinstance(frame, OutputAudioFrame):
            await out.send(frame)
            return
        if self.hung_up:
            self.stats.dropped_after_call += 1
            return
        if self._chunker is None:
            self._chunker = PlayoutChunker(frame.format, self.chunk_ms)
        chunker = self._chunker
        data = frame.data
        if frame.format != chunker.format:
            conv = self._converters.get(frame.format)
            if conv is None:
                conv = self._converters[frame.format] = AudioConverter(frame.format, chunker.format)
            data = conv.convert(data)
        text, words = (frame.text, frame.word_times_ms) if isinstance(frame, TTSAudioFrame) else ("", ())
        chunks = chunker.push(data, epoch=frame.epoch, text=text, word_times_ms=words)
        self._unqueued_ns = sum(c.duration_ns for c in chunks)  # counted as queued if cut now
        for chunk in chunks:
            if self.hung_up:  # a hang-up while this frame waited for room
                self._unqueued_ns = 0
                return
            await self._buffer.put(chunk)
            self._unqueued_ns -= chunk.duration_ns

    @handles
    async def on_response_start(self, frame: ResponseStartFrame, out: Outbox) -> None:
        await self._put_rest()
        await self._buffer.put(PlayoutMarker("start", frame.response_id))
        await out.send(frame)

    @handles
    async def on_response_end(self, frame: ResponseEndFrame, out: Outbox) -> None:
        await self._put_rest()
        await self._buffer.put(PlayoutMarker("end", frame.response_id))
        await out.send(frame)

    @handles
    async def on_call_action(self, frame: CallActionFrame, out: Outbox) -> None:
        if self._call_action is None and self._spawn is not None:
            self._call_action = frame  # a task of its own: an interruption cannot lose it
            self._spawn(self._act_when_played(frame), name=f"{self.name}:call-action")
        await out.send(frame)

    async def _act_when_played(self, frame: CallActionFrame) -> None:
        await self._played()
        await self._settle_marks()
        self._acting.clear()  # playout pauses while the action runs
        self.hung_up = True  # what came after the action is cut, and later audio dropped
        await self.on_flush()
        await self._report_cut()
        try:
            await self.perform_call_action(frame)
        except VoiceError as err:
            log.warning("%s: %s not carried out: %s", self.name, type(frame).__name__, err)
            self._call_action = None
            self.hung_up = False  # the call goes on: the next reply plays
            await self.outbox.send_up(ErrorFrame(error=err))
        finally:
            self._acting.set()

    @handles
    async def on_frame(self, frame: Frame, out: Outbox) -> None:
        await self.write_event(frame)
        await out.send(frame)

    async def on_flush(self) -> None:
        self._gen += 1
        dropped = self._buffer.drop()
        self.stats.dropped_chunks += dropped.chunks
        queued_ns = dropped.current_ns + self._unqueued_ns
        self._unqueued_ns = 0
        if self._chunker is not None:
            queued_ns += self._chunker.pending_ns
            self._chunker.clear()
        for conv in self._converters.values():
            await conv.on_flush()
        cut = self.replies.cut(self.clock.now_ns(), queued_ns, dropped.later)
        self._settled.set()
        self.stats.interrupted_replies += len(cut)
        self._cut += cut
        self._cut_speaking = self._cut_speaking or self._speaking
        self._speaking = False
        self.resume()  # an interruption ends any hold: the next reply plays

    @handles
    async def on_interrupt(self, frame: InterruptFrame, out: Outbox) -> None:
        self._epoch_floor = max(self._epoch_floor, frame.new_epoch)
        await self._report_cut()

    async def _report_cut(self) -> None:
        """After a flush: clear the medium, report the cut replies, announce the stop."""
        cut, self._cut = self._cut, []
        was_speaking, self._cut_speaking = self._cut_speaking, False
        if cut or was_speaking:
            await self.write_clear()
        for report in cut:
            await self._report(report)
        if was_speaking:
            await self._announce(BotStoppedSpeakingFrame())

    async def on_drain(self, out: Outbox) -> None:
        await self._played()
        await self._settle_marks()
