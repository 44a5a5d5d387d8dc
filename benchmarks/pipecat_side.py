"""The Pipecat side: benchmark processors and the `PipecatSession` that runs a chain of them.

Written against Pipecat 1.14's public API: `FrameProcessor` subclasses whose `process_frame`
calls `super()` and then `push_frame`, a `Pipeline`, a `PipelineWorker` and a `WorkerRunner`.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass

from loguru import logger

# Pipecat logs through loguru, whose default sink prints DEBUG lines to stderr: one per
# processor link and lifecycle step. That is logging cost, not runtime cost, so keep
# warnings and errors only (set before importing pipecat, which logs a banner on import).
logger.remove()
logger.add(sys.stderr, level="WARNING")

from pipecat.frames.frames import (  # noqa: E402
    DataFrame,
    Frame,
    InputAudioRawFrame,
    InterruptionFrame,
    InterruptionWorkerFrame,
    OutputAudioRawFrame,
    TextFrame,
    UserStartedSpeakingFrame,
)
from pipecat.pipeline.pipeline import Pipeline  # noqa: E402
from pipecat.pipeline.worker import PipelineParams, PipelineWorker  # noqa: E402
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor  # noqa: E402
from pipecat.workers.runner import WorkerRunner  # noqa: E402

from benchmarks.probe import AUDIO_20MS, Probe  # noqa: E402
from benchmarks.session import FrameKind  # noqa: E402

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


@dataclass
class BurstFrame(DataFrame):
    """Tells the head processor to push `count` output-audio frames, then interrupt if `request`."""

    count: int = 0
    request: bool = True


class Relay(FrameProcessor):
    """Pass-through: Pipecat's canonical processor body (super, then push_frame)."""

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)


class Head(FrameProcessor):
    """First processor: relays frames; on UserStartedSpeakingFrame or BurstFrame interrupts.

    The interruption is Pipecat's own: `broadcast_interruption()`, as its user-turn
    processor does when the user starts speaking.
    """

    def __init__(self, probe: Probe, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self._probe = probe

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, UserStartedSpeakingFrame):
            self._probe.interrupting()
            await self.broadcast_interruption()  # type: ignore[no-untyped-call]
        elif isinstance(frame, BurstFrame):
            await self._burst(frame)
        else:
            await self.push_frame(frame, direction)

    async def _burst(self, frame: BurstFrame) -> None:
        sent = self._probe.sent
        for _ in range(frame.count):
            audio = OutputAudioRawFrame(audio=AUDIO_20MS, sample_rate=16000, num_channels=1)
            sent[audio.id] = time.perf_counter_ns()
            await self.push_frame(audio)
        if frame.request:
            self._probe.interrupting()
            await self.broadcast_interruption()  # type: ignore[no-untyped-call]

    def set_producing(self, on: bool) -> None:
        """Start or stop the producer task (a task of this processor's task manager)."""
        was, self._probe.producing = self._probe.producing, on
        if on and not was:
            self.create_task(self._produce(), name=f"{self}::producer")

    async def _produce(self) -> None:
        probe = self._probe
        while probe.producing:
            audio = OutputAudioRawFrame(audio=AUDIO_20MS, sample_rate=16000, num_channels=1)
            probe.sent[audio.id] = time.perf_counter_ns()
            await self.push_frame(audio)
            await asyncio.sleep(0)


class Tail(FrameProcessor):
    """Last processor: relays frames, then reports data frames and interruptions to the probe.
    With `slow_s` it takes that long per data frame first (a paced output)."""

    def __init__(self, probe: Probe, *, slow_s: float = 0.0, name: str | None = None) -> None:
        super().__init__(name=name)
        self._probe = probe
        self._slow_s = slow_s

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if self._slow_s and isinstance(frame, DataFrame):
            await asyncio.sleep(self._slow_s)
        await self.push_frame(frame, direction)
        if direction is FrameDirection.DOWNSTREAM:
            if isinstance(frame, DataFrame | InputAudioRawFrame):
                self._probe.exit(frame.id)
            elif isinstance(frame, InterruptionFrame):
                self._probe.flushed()


class PipecatSession:
    """A Pipecat pipeline of `nodes` processors (Head, Relays, Tail), run by its own WorkerRunner.

    One runner per session, as a server does per call (Pipecat's examples create a runner
    per connection); a runner shared by many workers costs more (its bus is O(K^2)).
    """

    def __init__(self, nodes: int, *, name: str = "g", slow_tail_s: float = 0.0) -> None:
        self.probe = Probe()
        self.nodes = nodes
        self._head: Head | None = Head(self.probe, name=f"{name}.head") if nodes > 1 else None
        procs: list[FrameProcessor] = [self._head] if self._head else []
        procs += [Relay(name=f"{name}.relay{i}") for i in range(nodes - 2)]
        procs.append(Tail(self.probe, slow_s=slow_tail_s, name=f"{name}.tail"))
        self._first = procs[0]
        self.worker = PipelineWorker(
            Pipeline(procs),
            params=PipelineParams(),  # defaults: metrics and heartbeats off
            enable_rtvi=False,  # RTVI adds a processor and an observer that sees every frame
            enable_turn_tracking=False,  # the turn-tracking observer sees every frame push
            idle_timeout_secs=None,  # idle graphs must stay up; its observer sees every push
            check_dangling_tasks=False,  # only a teardown warning
        )
        self._runner: WorkerRunner | None = None
        self._run_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        started = asyncio.Event()

        async def on_started(_worker: PipelineWorker, _frame: Frame) -> None:
            started.set()

        self.worker.add_event_handler("on_pipeline_started", on_started)
        self._runner = WorkerRunner(handle_sigint=False, check_dangling_tasks=False)
        await self._runner.add_workers(self.worker)
        self._run_task = asyncio.create_task(self._runner.run())
        await asyncio.wait_for(started.wait(), START_TIMEOUT_S)

    async def stop(self) -> None:
        if self._runner is None or self._run_task is None:
            return
        self.probe.producing = False
        await self._runner.cancel("benchmark done")
        try:
            await asyncio.wait_for(self._run_task, STOP_TIMEOUT_S)
        except TimeoutError:
            logger.warning("pipecat runner did not stop in time")

    def frame(self, kind: FrameKind) -> tuple[object, int]:
        if kind is FrameKind.AUDIO:
            f: Frame = InputAudioRawFrame(audio=AUDIO_20MS, sample_rate=16000, num_channels=1)
        elif kind is FrameKind.TEXT:
            f = TextFrame(text="hello")
        else:
            f = OutputAudioRawFrame(audio=AUDIO_20MS, sample_rate=16000, num_channels=1)
        return f, f.id

    async def push(self, frame: object) -> None:
        assert isinstance(frame, Frame)
        await self.worker.queue_frame(frame)

    async def barge_in(self) -> None:
        # Straight into the head's queue, as an input transport or VAD ahead of it would.
        await self._first.queue_frame(UserStartedSpeakingFrame())

    async def interrupt(self) -> None:
        # Pipecat's way to interrupt from outside: the worker turns this frame, once it
        # reaches the source, into an InterruptionFrame sent down the pipeline.
        self.probe.interrupting()
        await self.worker.queue_frame(InterruptionWorkerFrame(), FrameDirection.UPSTREAM)

    async def burst(self, count: int, *, request: bool) -> None:
        await self.worker.queue_frame(BurstFrame(count=count, request=request))

    def set_producing(self, on: bool) -> None:
        assert self._head is not None
        self._head.set_producing(on)
