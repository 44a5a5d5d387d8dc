"""WorkerLoad: a worker's jobs and how loaded it is, as it reports them to the server."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from voicegraph.backends.providers.livekit_worker.loop_lag import LoopLag

if TYPE_CHECKING:
    import asyncio

    from voicegraph.backends.providers.livekit_worker.room_job import RoomJob
    from voicegraph.backends.providers.livekit_worker.worker_options import WorkerOptions

log = logging.getLogger("voicegraph.livekit_worker")


class WorkerLoad:
    """The jobs of one worker (running, pending an assignment, done) and its load.

    Handles the bookkeeping the availability answers and the status reports read: load
    is the larger of (jobs + pending) / `max_jobs` and the mean event-loop lag over
    `lag_full_ms`; the worker is full at 1.0 or while draining. Emits `status_update()`,
    the `UpdateWorkerStatus` to send (WS_FULL when full), and logs each change between
    full and available. I/O-free: a few additions per call.

    Args:
        options: `max_jobs`, `lag_full_ms`.
    """

    def __init__(self, options: WorkerOptions) -> None:
        self.options = options
        self.lag = LoopLag()
        self.jobs: dict[str, RoomJob] = {}
        """Jobs in progress by job id."""
        self.pending: dict[str, asyncio.Future[Any]] = {}
        """Jobs accepted and waiting for their assignment, by job id."""
        self.done: list[RoomJob] = []
        """Finished jobs (kept for describe and tests)."""
        self.draining = False
        self._was_full = False

    def load(self) -> float:
        """0..1: the larger of jobs (pending included) over `max_jobs` and lag over `lag_full_ms`."""
        busy = (len(self.jobs) + len(self.pending)) / self.options.max_jobs
        return min(1.0, max(busy, self.lag.lag_ms / self.options.lag_full_ms))

    def full(self) -> bool:
        """Whether the worker refuses jobs now."""
        return self.draining or self.load() >= 1.0

    def free_slots(self) -> int:
        """Jobs this worker would take now (0 while full)."""
        return 0 if self.full() else self.options.max_jobs - len(self.jobs) - len(self.pending)

    def status_update(self) -> Any:
        """The `UpdateWorkerStatus` that says how loaded the worker is now."""
        from livekit.protocol import agent

        full = self.full()
        if full != self._was_full:
            self._was_full = full
            state = "WS_FULL" if full else "WS_AVAILABLE"
            log.info("worker status %s (load %.2f, %d jobs, lag %.1f ms)",
                     state, self.load(), len(self.jobs), self.lag.lag_ms)  # fmt: skip
        return agent.UpdateWorkerStatus(
            status=agent.WS_FULL if full else agent.WS_AVAILABLE, load=self.load(),
            job_count=len(self.jobs), draining=self.draining,
        )  # fmt: skip
