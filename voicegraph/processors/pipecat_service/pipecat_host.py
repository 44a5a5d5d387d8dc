"""PipecatHost: runs one Pipecat service in a Pipecat pipeline of its own, between two taps."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from collections.abc import Coroutine

    from pipecat.frames.frames import Frame

Deliver = Callable[[Any, bool], Awaitable[None]]
"""`deliver(pipecat_frame, upstream)`: a frame the service pushed, in its direction."""
Spawn = Callable[["Coroutine[Any, Any, None]", str], Any]


def _tap_class() -> type[Any]:
    from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

    class Tap(FrameProcessor):
        """Hands what the service pushes towards it to `deliver`, then passes it on (Pipecat's
        worker source and sink still need their lifecycle frames)."""

        def __init__(self, deliver: Deliver, direction: FrameDirection, name: str) -> None:
            super().__init__(name=name)
            self._deliver, self._direction = deliver, direction

        async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
            await super().process_frame(frame, direction)
            if direction is self._direction:
                await self._deliver(frame, direction is FrameDirection.UPSTREAM)
            await self.push_frame(frame, direction)

    return Tap


class PipecatHost:
    """Pipecat's own machinery around one service: `Pipeline([up tap, service, down tap])`
    run by a `PipelineWorker` under a `WorkerRunner`, so the service gets its real
    `StartFrame`/`EndFrame`/`CancelFrame` lifecycle, task manager, clock and metrics.

    Args:
        service: the Pipecat service (a FrameProcessor).
        deliver: called with every frame the service pushes downstream or upstream.
        audio_in_rate, audio_out_rate: the pipeline's audio rates (Pipecat's `PipelineParams`).
        name: used for the taps' names.
    """

    def __init__(self, service: Any, deliver: Deliver, *, audio_in_rate: int, audio_out_rate: int,
                 name: str) -> None:  # fmt: skip
        from pipecat.pipeline.pipeline import Pipeline
        from pipecat.pipeline.worker import PipelineParams, PipelineWorker
        from pipecat.processors.frame_processor import FrameDirection

        tap = _tap_class()
        self.service = service
        pipeline = Pipeline([tap(deliver, FrameDirection.UPSTREAM, f"{name}.in"), service,
                             tap(deliver, FrameDirection.DOWNSTREAM, f"{name}.out")])  # fmt: skip
        params = PipelineParams(audio_in_sample_rate=audio_in_rate, audio_out_sample_rate=audio_out_rate,
                                enable_metrics=True, enable_usage_metrics=True)  # fmt: skip
        self.worker = PipelineWorker(pipeline, params=params, enable_rtvi=False, enable_turn_tracking=False,
                                     idle_timeout_secs=None, cancel_on_idle_timeout=False,
                                     check_dangling_tasks=False)  # fmt: skip
        self._started, self._finished = asyncio.Event(), asyncio.Event()
        self.worker.add_event_handler("on_pipeline_started", self._on_started)
        self.worker.add_event_handler("on_pipeline_finished", self._on_finished)
        self._runner: Any = None
        self._task: asyncio.Task[None] | None = None

    async def _on_started(self, _worker: Any, _frame: Any) -> None:
        self._started.set()

    async def _on_finished(self, _worker: Any, _frame: Any) -> None:
        self._finished.set()

    async def start(self, spawn: Spawn, *, timeout_s: float) -> None:
        """Run the worker in a task from `spawn` and wait until the StartFrame went through.

        Raises:
            VoiceError: (timeout) the service did not start within `timeout_s`.
        """
        from pipecat.workers.runner import WorkerRunner

        self._runner = WorkerRunner(handle_sigint=False, check_dangling_tasks=False)
        await self._runner.add_workers(self.worker)
        self._task = spawn(self._run(), "pipecat-runner")
        try:
            async with asyncio.timeout(timeout_s):
                await self._started.wait()
        except TimeoutError:
            msg = f"Pipecat service {type(self.service).__name__} did not start within {timeout_s}s"
            raise VoiceError(ErrorCode.TIMEOUT, msg, retriable=True) from None

    async def _run(self) -> None:
        try:
            await self._runner.run()
        finally:
            self._finished.set()

    async def push(self, frame: Any) -> None:
        """Queue `frame` at the head of the pipeline, in order with the frames before it."""
        await self.worker.queue_frame(frame)

    async def push_now(self, frame: Any) -> None:
        """Put `frame` (a system frame: an interruption) into the pipeline at once, past the
        queue, as Pipecat's own worker does for `InterruptionWorkerFrame`."""
        await self.worker.pipeline.queue_frame(frame)

    async def end(self, *, timeout_s: float) -> bool:
        """Send Pipecat's `EndFrame` (the service flushes what it holds) and wait until it
        has passed the service; False when that took longer than `timeout_s`."""
        from pipecat.frames.frames import EndFrame

        if self._finished.is_set():
            return True
        await self.worker.queue_frame(EndFrame())
        try:
            async with asyncio.timeout(timeout_s):
                await self._finished.wait()
        except TimeoutError:
            return False
        return True

    async def cancel(self, *, timeout_s: float) -> None:
        """Pipecat's `CancelFrame` (stop now), then wait for the runner task (bounded)."""
        if self._runner is not None and not self._finished.is_set():
            await self._runner.cancel("voicegraph node stopped")
        task = self._task
        if task is not None and not task.done():
            try:
                async with asyncio.timeout(timeout_s):
                    await asyncio.shield(task)
            except TimeoutError:
                task.cancel()
