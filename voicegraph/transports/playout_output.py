"""PlayoutOutput: the output side every transport shares — paced playout of bot audio."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from voicegraph.framework.convert import AudioConverter
from voicegraph.framework.errors import VoiceError
from voicegraph.framework.frames.audio import AudioFrame, OutputAudioFrame, TTSAudioFrame
from voicegraph.framework.frames.base import Frame
from voicegraph.framework.frames.call import CallActionFrame
from voicegraph.framework.frames.control import ResponseEndFrame, ResponseStartFrame
from voicegraph.framework.frames.system import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    ErrorFrame,
    InterruptFrame,
    QoSFrame,
    ReplyPlayedFrame,
)
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles
from voicegraph.transports.playout_buffer import PlayoutBuffer, PlayoutMarker
from voicegraph.transports.playout_chunker import PlayoutChunk, PlayoutChunker
from voicegraph.transports.playout_stats import PlayoutStats
from voicegraph.transports.reply_ledger import ReplyLedger

if TYPE_CHECKING:
    from collections.abc import Callable

    from voicegraph.framework.context import StartContext
    from voicegraph.framework.formats import AudioFormat


log = logging.getLogger("voicegraph.transports")

_SETTLE_ROUNDS = 4
"""Event-loop rounds an empty tick waits for a producer due at the same instant."""


class PlayoutOutput(Processor):
    """Base of every output transport node: plays bot audio in real time, in fixed chunks.

    Handles `OutputAudioFrame` (incl. `TTSAudioFrame`): converted to the output format,
    cut into `chunk_ms` chunks and queued in a small bounded buffer (`buffer_ms`; a full
    buffer backpressures the graph, so a long reply waits upstream instead of bursting).
    A background loop writes one chunk per chunk period at absolute deadlines on the
    graph clock (no drift); when it wakes later than `qos_threshold_ms` it sends a
    `QoSFrame` upstream and re-anchors instead of bursting to catch up. Other audio
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

    concurrent = True
    interruptible = True
    background_output = True  # speaking events and reports leave from the playout loop

    def __init__(
        self,
        *,
        audio_format: AudioFormat | None = None,
        chunk_ms: float = 20.0,
        buffer_ms: float = 200.0,
        qos_threshold_ms: float = 40.0,
        stop_hold_ms: float = 200.0,
        mark_every_ms: float = 100.0,
        mark_timeout_s: float = 2.0,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        if chunk_ms <= 0 or buffer_ms < chunk_ms:
            raise ValueError("need chunk_ms > 0 and buffer_ms >= chunk_ms")
        self.audio_format = audio_format
        if audio_format is not None:
            self.accepts = (audio_format,)
        self.chunk_ms = chunk_ms
        self.latency = LatencySpec(chunk_ms, "one playout chunk")
        self.stats = PlayoutStats()
        self.replies = ReplyLedger()
        self._buffer = PlayoutBuffer(int(buffer_ms // chunk_ms))
        self._chunker: PlayoutChunker | None = None
        self._converters: dict[AudioFormat, AudioConverter] = {}
        self._qos_ns = int(qos_threshold_ms * 1_000_000)
        self._hold_ns = int(stop_hold_ms * 1_000_000)
        self._mark_every_ns = int(mark_every_ms * 1_000_000)
        self._mark_timeout_s = mark_timeout_s
        self._gen = 0  # bumped by every flush; the loop drops work from older generations
        self._epoch_floor = 0
        self._speaking = False
        self._next = 0  # clock time the next chunk starts playing
        self._last_end = 0
        self._unqueued_ns = 0
        self._settled = asyncio.Event()  # no reply awaits its end mark
        self._waiters: list[asyncio.Future[None]] = []
        self._cut: list[ReplyPlayedFrame] = []
        self._cut_speaking = False
        self._call_action: CallActionFrame | None = None
        self.hung_up = False
        self._acting = asyncio.Event()  # cleared while a call action is carried out
        self._acting.set()
        """A call action was carried out: later bot audio is dropped, not played."""
        self._spawn: Callable[..., object] | None = None

    @property
    def marks(self) -> bool:
        """Whether the medium echoes marks (set by subclasses whose medium does)."""
        return self.replies.marks

    @marks.setter
    def marks(self, value: bool) -> None:
        self.replies.marks = value

    @property
    def speaking(self) -> bool:
        """Whether bot audio is playing now."""
        return self._speaking

    # -- the medium ---------------------------------------------------------------------
    async def write_audio(self, data: bytes, fmt: AudioFormat, at_ns: int) -> None:
        """Hand one chunk to the medium; it starts playing at clock time `at_ns`."""
        raise NotImplementedError

    async def write_event(self, frame: Frame) -> None:
        """Offer a non-audio frame (transcript, speaking event...) to the medium."""

    async def write_clear(self) -> None:
        """Tell the medium to drop audio it has buffered (barge-in)."""

    async def write_mark(self, name: str) -> None:
        """Ask the medium to echo `name` once the audio written so far has played."""

    async def perform_call_action(self, frame: CallActionFrame) -> None:
        """Hang up or transfer, the audio before `frame` played; a medium with calls overrides it.

        Raises:
            VoiceError: the action cannot be carried out; it is reported upstream as an
                `ErrorFrame` and a later call action may try again.
        """
        log.info("%s: %s has no call to act on", self.name, type(frame).__name__)

    async def on_mark(self, name: str) -> None:
        """The medium echoed mark `name`; a reply whose end mark it is gets reported."""
        report = self.replies.echo(name)
        if not self.replies.awaiting:
            self._settled.set()
        if report is not None:
            await self.outbox.send_up(report)

    # -- graph side ---------------------------------------------------------------------
    async def on_start(self, ctx: StartContext) -> None:
        fmt = self.audio_format or ctx.input_format
        if fmt is not None:
            self._chunker = PlayoutChunker(fmt, self.chunk_ms)
        self._settled.set()
        self._spawn = ctx.spawn
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

    async def _put_rest(self) -> None:
        rest = self._chunker.rest() if self._chunker is not None else None
        if rest is not None:
            await self._buffer.put(rest)

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
            await self.outbox.send_up(report)
        if was_speaking:
            await self._announce(BotStoppedSpeakingFrame())

    async def on_drain(self, out: Outbox) -> None:
        await self._played()
        await self._settle_marks()

    async def _played(self) -> None:
        """Return once the audio queued so far has played (or an interruption dropped it)."""
        await self._put_rest()
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        await self._buffer.put(PlayoutMarker("drain", waiter=waiter))
        await waiter

    async def _settle_marks(self) -> None:
        """Report the replies still awaiting their end mark, after `mark_timeout_s` at most."""
        if self.replies.awaiting:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._mark_timeout_s):
                    await self._settled.wait()
            for report in self.replies.settle():
                await self.outbox.send_up(report)

    # -- the playout loop -----------------------------------------------------------------
    async def _run(self) -> None:
        try:
            while True:
                if self._speaking:
                    gen = self._gen
                    await self.clock.sleep_until(self._next)
                    if gen != self._gen:
                        continue
                else:
                    await self._buffer.wait()
                    self._next = self.clock.now_ns()
                await self._tick(self._gen)
        finally:
            for w in self._waiters:
                if not w.done():
                    w.set_result(None)

    async def _tick(self, gen: int) -> None:
        if not self._acting.is_set():
            await self._acting.wait()
            return
        now = self.clock.now_ns()
        late = now - self._next
        if late > self._qos_ns:
            self.stats.late_ticks += 1
            self._next = now  # re-anchor: never burst to catch up
            await self.outbox.send_up(QoSFrame(lateness_ns=late))
            if gen != self._gen:
                return
        while True:
            if self._speaking and not len(self._buffer):
                await self._buffer.settle(_SETTLE_ROUNDS)
                if gen != self._gen:
                    return
            item = self._buffer.get_nowait()
            if item is None:
                await self._underrun(now, gen)
                return
            if isinstance(item, PlayoutChunk):
                if item.epoch >= self._epoch_floor and not self.hung_up:
                    await self._play(item, gen)
                    return
                self.stats.dropped_chunks += 1
                continue
            await self._on_marker(item)
            if gen != self._gen:
                return

    async def _play(self, chunk: PlayoutChunk, gen: int) -> None:
        reply = self.replies.current or self.replies.open()
        at = self._next
        reply.on_chunk(chunk, at)
        self._next = self._last_end = at + chunk.duration_ns
        self.stats.chunks += 1
        if not self._speaking:
            self._speaking = True
            await self._announce(BotStartedSpeakingFrame())
            if gen != self._gen:
                return
        assert self._chunker is not None
        await self.write_audio(chunk.data, self._chunker.format, at)
        mark = self.replies.mark_due(self._mark_every_ns) if gen == self._gen else None
        if mark is not None:
            await self.write_mark(mark)

    async def _underrun(self, now: int, gen: int) -> None:
        rest = self._chunker.rest() if self._chunker is not None else None
        if rest is not None:
            await self._play(rest, gen)
            return
        if not self._speaking or self._chunker is None:
            return
        if now - self._last_end >= self._hold_ns:
            await self._stop_speaking()
            reply = self.replies.current
            if reply is not None and not reply.explicit and gen == self._gen:
                await self._finish()
            return
        self.stats.empty_ticks += 1
        self._next += self._chunker.chunk_ns  # keep the grid through the gap

    async def _on_marker(self, marker: PlayoutMarker) -> None:
        if self.replies.current is not None:
            await self._finish()
        if marker.kind == "start":
            self.replies.open(marker.response_id, explicit=True)
            return
        if self._speaking:
            await self._stop_speaking()
        marker.release()

    async def _finish(self) -> None:
        self.stats.replies += 1
        done = self.replies.finish()
        if isinstance(done, str):
            self._settled.clear()
            await self.write_mark(done)
        elif done is not None:
            await self.outbox.send_up(done)

    async def _stop_speaking(self) -> None:
        self._speaking = False
        await self._announce(BotStoppedSpeakingFrame())

    async def _announce(self, frame: Frame) -> None:
        await self.write_event(frame)
        await self.outbox.send(frame)
        await self.outbox.send_up(frame)
