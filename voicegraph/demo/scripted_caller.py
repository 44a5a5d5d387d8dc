"""ScriptedCaller: a simulated user who talks to a graph through a MemoryTransport, in real time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from voicegraph.demo.caller_voice import CallerVoice
from voicegraph.framework.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    Frame,
    ReplyPlayedFrame,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from voicegraph.demo.caller_line import CallerLine
    from voicegraph.framework.clock import Clock
    from voicegraph.framework.runtime import Runtime
    from voicegraph.transports.memory_transport import MemoryTransport

AudioSink = Callable[[int, "NDArray[np.int16]"], None]
"""Receives (clock ns when pushed, samples) for every chunk the caller sends."""
FrameSink = Callable[[Frame], None]
"""Receives every frame the graph sent to the caller (played audio, events)."""


@dataclass(slots=True)
class SpokenLine:
    """When a line was spoken, on the graph clock."""

    text: str
    start_ns: int = 0
    """Push time of the chunk holding the first speech sample."""
    end_ns: int = 0
    """Push time of the chunk holding the last speech sample (0: not spoken yet)."""
    pcm: NDArray[np.int16] = field(default_factory=lambda: np.zeros(0, np.int16), repr=False)


class ScriptedCaller:
    """Speaks `lines` into `transport` as a live caller: one `chunk_ms` chunk per period.

    The audio is continuous (silence between lines), paced on `clock` with absolute
    deadlines; a chunk is pushed when its audio has "arrived", as a microphone would.
    Lines wait for the bot as `CallerLine` says: for its reply to end, or for it to
    start (a barge-in). A reply that never comes is waited for `reply_timeout_s`.
    `listen()` reads what the graph sends back (run it beside `run()`); bot speaking
    events drive the timing. After the last line the caller waits for the reply, sends
    `tail_s` of silence and ends its input (`transport.end()`).

    Args:
        transport: the app side of the session's MemoryTransport (16 kHz mono s16 in).
        clock: the graph's clock.
        lines: the script; or `recording`: audio to play once, as is, from the start.
        voice: synthesizes the lines (default: Piper, deterministic).
        on_audio, on_output: observers of sent chunks and received frames.
        expect_reports: the app calls `reply_played` for every reply report, so a
            reply is over only when reported (not at a long pause between sentences).
    """

    def __init__(
        self,
        transport: MemoryTransport,
        clock: Clock,
        lines: Sequence[CallerLine] = (),
        *,
        recording: NDArray[np.int16] | None = None,
        voice: CallerVoice | None = None,
        chunk_ms: float = 20.0,
        reply_timeout_s: float = 8.0,
        tail_s: float = 0.5,
        on_audio: AudioSink | None = None,
        on_output: FrameSink | None = None,
        expect_reports: bool = False,
    ) -> None:
        self.transport = transport
        self.clock = clock
        self.lines = list(lines)
        self.voice = voice or CallerVoice(rate=transport.input_format.rate)
        self._rate = transport.input_format.rate
        self._chunk = max(1, round(self._rate * chunk_ms / 1000))
        self._chunk_ns = self._chunk * 1_000_000_000 // self._rate
        self._recording = recording
        self._reply_timeout_ns = int(reply_timeout_s * 1e9)
        self._tail_ns = int(tail_s * 1e9)
        self._on_audio = on_audio
        self._on_output = on_output
        self._expect_reports = expect_reports
        self.spoken: list[SpokenLine] = []
        """Lines as spoken, with their timing (filled by `prepare` and `run`)."""
        self.bot_starts: list[int] = []
        self.bot_stops: list[int] = []
        self.reply_reports: list[int] = []
        """When the output reported a reply as played (see `reply_played`)."""
        self._bot_speaking = False
        self._t0 = 0
        self._k = 0

    async def prepare(self) -> None:
        """Synthesize every line (off the event loop); call before the graph starts."""
        if self._recording is not None:
            self.spoken = [SpokenLine("<recording>", pcm=self._recording)]
            return
        pcms = await asyncio.to_thread(lambda: [self.voice.speak(line.text) for line in self.lines])
        self.spoken = [SpokenLine(line.text, pcm=pcm) for line, pcm in zip(self.lines, pcms, strict=True)]

    # -- what the graph sends back --------------------------------------------------------
    async def listen(self) -> None:
        """Read the graph's output until cancelled, tracking when the bot speaks."""
        while True:
            self._received(await self.transport.next_output())

    def drain(self) -> None:
        """Handle whatever output is left unread (after the session ended)."""
        for frame in self.transport.outputs_nowait():
            self._received(frame)

    def reply_played(self, t_ns: int) -> None:
        """The graph reported a reply as played to its end or cut (`ReplyPlayedFrame`).

        With reports the caller knows a reply is over even when it has long silences
        (a slow LLM between sentences); without them it goes by the speaking events.
        """
        self.reply_reports.append(t_ns)

    def follow_reports(self, rt: Runtime) -> None:
        """Take `rt`'s reply reports (`ReplyPlayedFrame` upstream) as they come."""

        def on_upstream(frame: Frame, _head: str) -> None:
            if isinstance(frame, ReplyPlayedFrame):
                self.reply_played(rt.clock.now_ns())

        rt.on_upstream(on_upstream)

    def _received(self, frame: Frame) -> None:
        if isinstance(frame, BotStartedSpeakingFrame):
            self._bot_speaking = True
            self.bot_starts.append(self.clock.now_ns())
        elif isinstance(frame, BotStoppedSpeakingFrame):
            self._bot_speaking = False
            self.bot_stops.append(self.clock.now_ns())
        if self._on_output is not None:
            self._on_output(frame)

    # -- speaking -------------------------------------------------------------------------
    async def run(self) -> None:
        """Speak the script in real time, then end the input."""
        if not self.spoken:
            await self.prepare()
        self._t0 = self.clock.now_ns()
        self._k = 0
        for i, line in enumerate(self.spoken):
            while not self._due(i):
                await self._send(None)
            await self._speak(line)
        while not self._reply_done(self._tail_ns):
            await self._send(None)
        await self.transport.end()

    async def _speak(self, line: SpokenLine) -> None:
        n = self._chunk
        for at in range(0, len(line.pcm), n):
            t = await self._send(line.pcm[at : at + n])
            if at == 0:
                line.start_ns = t
        line.end_ns = t if len(line.pcm) else self.clock.now_ns()

    async def _send(self, pcm: NDArray[np.int16] | None) -> int:
        """Push the next chunk (silence when `pcm` is None) at its deadline; returns its time."""
        self._k += 1
        await self.clock.sleep_until(self._t0 + self._k * self._chunk_ns)
        chunk = np.zeros(self._chunk, np.int16)
        if pcm is not None:
            chunk[: len(pcm)] = pcm
        now = self.clock.now_ns()
        await self.transport.send_audio(chunk.tobytes())
        if self._on_audio is not None:
            self._on_audio(now, chunk)
        return now

    def _due(self, i: int) -> bool:
        now = self.clock.now_ns()
        if i == 0:
            pause = self.lines[0].pause_s if self.lines else 0.3
            return now >= self._t0 + int(pause * 1e9)
        line = self.lines[i]
        if line.barge_in_s is None:
            return self._reply_done(int(line.pause_s * 1e9))
        since = self.spoken[i - 1].end_ns
        starts = [t for t in self.bot_starts if t > since]
        if starts:
            return now >= starts[0] + int(line.barge_in_s * 1e9)
        return now >= since + self._reply_timeout_ns

    def _reply_done(self, quiet_ns: int) -> bool:
        """The bot answered the last spoken line and has been quiet for `quiet_ns`."""
        now = self.clock.now_ns()
        spoken = [line for line in self.spoken if line.end_ns]
        since = spoken[-1].end_ns if spoken else self._t0
        if not any(t > since for t in self.bot_starts):
            return now >= since + self._reply_timeout_ns
        if self._bot_speaking:
            return False
        quiet_since = self.bot_stops[-1]
        if self.reply_reports or self._expect_reports:
            reports = [t for t in self.reply_reports if t > since]
            if not reports:  # between two sentences of a slow reply
                return now >= since + 4 * self._reply_timeout_ns
            quiet_since = max(quiet_since, reports[-1])
        return now >= quiet_since + quiet_ns
