"""PacedPlayout: the real-time loop under every output transport — chunks written on a grid."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from voicegraph.framework.frames.bot_text import BotTextFrame
from voicegraph.framework.frames.system import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    QoSFrame,
    ReplyPlayedFrame,
)
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.processor import Processor
from voicegraph.processors.audio.echo_reference import ECHO_REFERENCE_KEY, EchoReference
from voicegraph.transports.playout_buffer import PlayoutBuffer, PlayoutMarker
from voicegraph.transports.playout_chunker import PlayoutChunk, PlayoutChunker
from voicegraph.transports.playout_options import PlayoutOptions
from voicegraph.transports.playout_stats import PlayoutStats
from voicegraph.transports.reply_ledger import ReplyLedger

if TYPE_CHECKING:
    from voicegraph.framework.convert import AudioConverter
    from voicegraph.framework.formats import AudioFormat
    from voicegraph.framework.frames.base import Frame

_SETTLE_ROUNDS = 4
"""Event-loop rounds an empty tick waits for a producer due at the same instant."""


class PacedPlayout(Processor):
    """The real-time half of `PlayoutOutput`: a loop that writes queued chunks on a grid.

    Holds the bounded chunk buffer and the loop that writes one chunk per chunk period
    at absolute deadlines on the graph clock (re-anchoring, with a `QoSFrame` upstream,
    when it wakes later than the QoS threshold), announces the bot starting and
    stopping to speak, closes replies in the `ReplyLedger` (marks when the medium echoes
    them) and releases drain markers. The medium is the subclass's: `write_audio`,
    `write_event`, `write_clear`, `write_mark`. `PlayoutOutput` adds the graph side.

    Args:
        audio_format: the medium's format (None: the negotiated input format).
        playout: chunk, buffer, QoS, hold and mark settings (`PlayoutOptions()` if None).
    """

    concurrent = True
    interruptible = True
    background_output = True  # speaking events and reports leave from the playout loop

    def __init__(
        self,
        *,
        audio_format: AudioFormat | None = None,
        playout: PlayoutOptions | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        opts = playout or PlayoutOptions()
        self.playout = opts
        chunk_ms = opts.chunk_ms
        self.audio_format = audio_format
        if audio_format is not None:
            self.accepts = (audio_format,)
        self.chunk_ms = chunk_ms
        self.latency = LatencySpec(chunk_ms, "one playout chunk")
        self.stats = PlayoutStats()
        self.replies = ReplyLedger()
        self._buffer = PlayoutBuffer(int(opts.buffer_ms // chunk_ms))
        self._chunker: PlayoutChunker | None = None
        self._converters: dict[AudioFormat, AudioConverter] = {}
        self._qos_ns = int(opts.qos_threshold_ms * 1_000_000)
        self._hold_ns = int(opts.stop_hold_ms * 1_000_000)
        self._mark_every_ns = int(opts.mark_every_ms * 1_000_000)
        self._mark_timeout_s = opts.mark_timeout_s
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
        self.hung_up = False
        """A call action was carried out: later bot audio is dropped, not played."""
        self._acting = asyncio.Event()  # cleared while a call action runs: playout pauses
        self._acting.set()
        self._shared: dict[str, Any] = {}  # the session's shared state (set on start)
        self._resumed = asyncio.Event()  # cleared while paused: the loop holds its place
        self._resumed.set()
        self.pauses = 0
        """Times `pause` held playout."""

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

    @property
    def paused(self) -> bool:
        """Whether playout is held by `pause` (issue 19: a possible false interruption)."""
        return not self._resumed.is_set()

    def pause(self) -> None:
        """Hold playout at the next chunk boundary; nothing queued is dropped."""
        if self._resumed.is_set():
            self._resumed.clear()
            self.pauses += 1

    def resume(self) -> None:
        """Go on from where `pause` held, re-anchored on the clock (no burst)."""
        self._resumed.set()

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

    async def on_mark(self, name: str) -> None:
        """The medium echoed mark `name`; a reply whose end mark it is gets reported."""
        report = self.replies.echo(name)
        if not self.replies.awaiting:
            self._settled.set()
        if report is not None:
            await self._report(report)

    async def _report(self, report: ReplyPlayedFrame) -> None:
        """Send a reply's report upstream and announce its words as played (a final bot text)."""
        await self.outbox.send_up(report)
        if report.text_played:
            final = BotTextFrame(text=report.text_played, final=True, interrupted=report.interrupted)
            await self._announce(final)

    async def _put_rest(self) -> None:
        rest = self._chunker.rest() if self._chunker is not None else None
        if rest is not None:
            await self._buffer.put(rest)

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
                await self._report(report)

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
        if not self._resumed.is_set():
            await self._resumed.wait()
            self._next = self.clock.now_ns()  # the held chunk plays now, the grid from here
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
        # words that started in the chunks before this one: heard by now (within a chunk);
        # asked after recording this chunk, whose timed words may replace an untimed text
        heard = reply.written_ns
        reply.on_chunk(chunk, at)
        spoken = reply.words_started(heard)
        self._next = self._last_end = at + chunk.duration_ns
        self.stats.chunks += 1
        if not self._speaking:
            self._speaking = True
            await self._announce(BotStartedSpeakingFrame())
            if gen != self._gen:
                return
        assert self._chunker is not None
        await self.write_audio(chunk.data, self._chunker.format, at)
        ref = self._shared.get(ECHO_REFERENCE_KEY)
        if isinstance(ref, EchoReference):  # an echo canceller listens (issue 19)
            ref.write(chunk.data, self._chunker.format, at)
        if gen == self._gen:
            await self._announce_words(reply.words_out, spoken)
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
        reply = self.replies.current
        rest = reply.words_started(reply.written_ns + 1) if reply is not None else []
        if reply is not None:  # the last chunk's words: played by the pacing clock
            await self._announce_words(reply.words_out, rest)
        done = self.replies.finish()
        if isinstance(done, str):
            self._settled.clear()
            await self.write_mark(done)
        elif done is not None:
            await self._report(done)

    async def _stop_speaking(self) -> None:
        self._speaking = False
        await self._announce(BotStoppedSpeakingFrame())

    async def _announce_words(self, words_out: int, words: list[str]) -> None:
        """An interim bot text with `words`, the last `len(words)` of the `words_out` played."""
        if words:
            lead = " " if words_out > len(words) else ""  # deltas concatenate
            await self._announce(BotTextFrame(text=lead + " ".join(words)))

    async def _announce(self, frame: Frame) -> None:
        await self.write_event(frame)
        await self.outbox.send(frame)
        await self.outbox.send_up(frame)
