"""The voicegraph side: benchmark nodes and the `VoicegraphSession` that runs a chain of them."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass

from benchmarks.probe import AUDIO_20MS, Probe
from benchmarks.session import FrameKind
from voicegraph.framework import EdgeConfig, Graph, Outbox, Processor, Runtime, StartContext, handles
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import (
    ControlFrame,
    DataFrame,
    InputAudioFrame,
    OutputAudioFrame,
    TextFrame,
    UserStartedSpeakingFrame,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class BurstFrame(ControlFrame):
    """Tells the head node to send `count` output-audio frames, then interrupt if `request`."""

    count: int = 0
    request: bool = True


class Relay(Processor):
    """Handles every DataFrame and forwards it unchanged. Adds no latency; nothing to flush or drain.

    An explicit handler (rather than the automatic pass-through) so each hop pays for handler
    dispatch, like a Pipecat `process_frame` that calls `push_frame`.
    """

    @handles
    async def on_data(self, frame: DataFrame, out: Outbox) -> None:
        await out.send(frame)


class Head(Relay):
    """First node: relays data; on UserStartedSpeakingFrame or BurstFrame raises an interruption.

    Emits the output audio of its producer and of bursts. Adds no latency. Flush: its producer
    keeps running (new frames carry the new epoch).
    """

    def __init__(self, probe: Probe, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self._probe = probe
        self._ctx: StartContext | None = None

    async def on_start(self, ctx: StartContext) -> None:
        self._ctx = ctx

    @handles
    async def on_speech(self, frame: UserStartedSpeakingFrame, out: Outbox) -> None:
        self._probe.interrupting()
        await out.request_interrupt("barge-in")

    @handles
    async def on_burst(self, frame: BurstFrame, out: Outbox) -> None:
        sent = self._probe.sent
        for _ in range(frame.count):
            audio = OutputAudioFrame(data=AUDIO_20MS, format=PCM16K)
            sent[audio.id] = time.perf_counter_ns()
            await out.send(audio)
        if frame.request:
            self._probe.interrupting()
            await out.request_interrupt("barge-in")

    def set_producing(self, on: bool) -> None:
        """Start or stop the producer task."""
        was, self._probe.producing = self._probe.producing, on
        if on and not was:
            assert self._ctx is not None
            self._ctx.spawn(self._produce(), name="producer")

    async def _produce(self) -> None:
        probe, out = self._probe, self.outbox
        while probe.producing:
            audio = OutputAudioFrame(data=AUDIO_20MS, format=PCM16K)
            probe.sent[audio.id] = time.perf_counter_ns()
            await out.send(audio)
            await asyncio.sleep(0)


class Tail(Relay):
    """Last node: relays data, then reports the frame to the probe; reports its flush too.
    With `slow_s` it takes that long per data frame first (a paced output)."""

    def __init__(self, probe: Probe, *, slow_s: float = 0.0, name: str | None = None) -> None:
        super().__init__(name=name)
        self._probe = probe
        self._slow_s = slow_s

    @handles
    async def on_data(self, frame: DataFrame, out: Outbox) -> None:
        if self._slow_s:
            await asyncio.sleep(self._slow_s)
        await out.send(frame)
        self._probe.exit(frame.id)

    async def on_flush(self) -> None:
        self._probe.flushed()


class VoicegraphSession:
    """A chain of `nodes` nodes (Head, Relays, Tail; one Tail when nodes == 1) in a `Runtime`.

    Args:
        nodes: chain length.
        name: graph name.
        fuse: the runtime's default (True) or every node queued in its own task (False).
        capacity: if set, every node is queued behind an edge of this capacity.
        slow_tail_s: time the last node takes per data frame.
    """

    def __init__(
        self,
        nodes: int,
        *,
        name: str = "g",
        fuse: bool = True,
        capacity: int | None = None,
        slow_tail_s: float = 0.0,
    ) -> None:
        self.probe = Probe()
        self.nodes = nodes
        self._head: Head | None = Head(self.probe, name="head") if nodes > 1 else None
        procs: list[Processor] = [self._head] if self._head else []
        procs += [Relay(name=f"relay{i}") for i in range(nodes - 2)]
        procs.append(Tail(self.probe, slow_s=slow_tail_s, name="tail"))
        graph = Graph(name)
        edge = EdgeConfig(capacity=capacity, queued=True) if capacity else None
        names = [graph.add(p, edge=edge) for p in procs]
        for a, b in itertools.pairwise(names):
            graph.link(a, b)
        self.runtime = Runtime(graph, fuse=fuse)

    async def start(self) -> None:
        await self.runtime.start()

    async def stop(self) -> None:
        await self.runtime.cancel()

    def frame(self, kind: FrameKind) -> tuple[object, int]:
        return self.make_frame(kind)

    @staticmethod
    def make_frame(kind: FrameKind) -> tuple[object, int]:
        """A new voicegraph frame of `kind` and its id."""
        if kind is FrameKind.AUDIO:
            f: DataFrame = InputAudioFrame(data=AUDIO_20MS, format=PCM16K)
        elif kind is FrameKind.TEXT:
            f = TextFrame(text="hello")
        else:
            f = OutputAudioFrame(data=AUDIO_20MS, format=PCM16K)
        return f, f.id

    async def push(self, frame: object) -> None:
        assert isinstance(frame, DataFrame | ControlFrame)
        await self.runtime.push(frame)

    async def barge_in(self) -> None:
        await self.runtime.push(UserStartedSpeakingFrame())

    async def interrupt(self) -> None:
        self.probe.interrupting()
        await self.runtime.interrupt("barge-in")

    async def burst(self, count: int, *, request: bool) -> None:
        await self.runtime.push(BurstFrame(count=count, request=request))

    def set_producing(self, on: bool) -> None:
        assert self._head is not None
        self._head.set_producing(on)
