"""LiveKitWorker: voicegraph as a LiveKit agent worker; the server dispatches rooms to it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from typing import TYPE_CHECKING, Any

from voicegraph.backends.providers.livekit_worker.agent_socket import AgentSocket
from voicegraph.backends.providers.livekit_worker.job_assignments import JobAssignments
from voicegraph.backends.providers.livekit_worker.job_sessions import JobSessions
from voicegraph.backends.providers.livekit_worker.job_tokens import JobTokens
from voicegraph.backends.providers.livekit_worker.worker_load import WorkerLoad
from voicegraph.framework.errors import VoiceError
from voicegraph.transports.livekit.backoff import Backoff

if TYPE_CHECKING:
    from collections.abc import Coroutine

    from voicegraph.backends.providers.livekit_worker.job_ledger import JobLedger
    from voicegraph.backends.providers.livekit_worker.loop_lag import LoopLag
    from voicegraph.backends.providers.livekit_worker.redis_rate_limiter import RedisRateLimiter
    from voicegraph.backends.providers.livekit_worker.room_job import RoomJob
    from voicegraph.backends.providers.livekit_worker.worker_options import WorkerOptions
    from voicegraph.backends.session_manager import SessionManager
    from voicegraph.transports.livekit.livekit_config import LiveKitConfig

log = logging.getLogger("voicegraph.livekit_worker")


class LiveKitWorker:
    """A LiveKit agent worker: registers on `/agent`, takes the rooms the server dispatches.

    Handles the server's availability requests (yes while not draining, under
    `max_jobs` and under `lag_full_ms` of event-loop lag; the agent joins as
    `config.agent_identity`), assignments (the agent joins the room with the minted
    token and each user there gets a session from `manager`: admitted, run, persisted
    like every voicegraph session) and terminations: see `JobAssignments`. Emits
    `UpdateJobStatus` (running, then success or failed), `UpdateWorkerStatus` every
    `status_interval_s` and at each job change (load = the larger of jobs/max_jobs and
    lag/lag_full_ms; WS_FULL at 1.0 or while draining: see `WorkerLoad`), and
    `WorkerPing`. A lost socket is re-opened with backoff and the worker registers again;
    rooms in progress go on meanwhile. Each job's agent participant is
    `job_identity(...)` and carries the worker's id and pid as attributes; its tracks
    keep the names `<agent identity>:<user>`. `drain` stops taking jobs and waits for the
    calls in progress to end; `stop` leaves every room. With a `ledger` the jobs are
    recorded in Redis so that, when this process dies, another worker asks the server to
    dispatch its rooms again, and rooms the server placed on no worker are dispatched
    again when this one has free slots.

    Args:
        manager: the backend's session manager.
        config: server, credentials, agent identity.
        options: registration and load settings.
        ledger: the shared job record (None: no re-dispatch).
    """

    def __init__(
        self,
        manager: SessionManager,
        config: LiveKitConfig,
        options: WorkerOptions,
        ledger: JobLedger | None = None,
    ) -> None:
        self.config = config
        self.options = options
        self.rooms = JobSessions(manager, config, [])
        tokens = JobTokens(config)
        self.rooms.tokens = tokens
        self.socket = AgentSocket(config, options.agent_name)
        self.ledger = ledger
        self.shared_limiter: RedisRateLimiter | None = None
        """The admission rate limiter in Redis, when the fleet shares one (closed by `stop`)."""
        self.work = WorkerLoad(options)
        """The jobs and the load."""
        self.assignments = JobAssignments(config, self.socket, self.rooms, tokens, self.work, ledger,
                                          options.idle_room_s)  # fmt: skip
        self.registrations = 0
        self._tasks: set[asyncio.Task[None]] = set()  # job tasks: tracked here, cancelled by stop
        self._main: asyncio.Task[None] | None = None

    @property
    def jobs(self) -> dict[str, RoomJob]:
        """Jobs in progress by job id."""
        return self.work.jobs

    @property
    def done(self) -> list[RoomJob]:
        """Finished jobs (kept for describe and tests)."""
        return self.work.done

    @property
    def draining(self) -> bool:
        """Whether the worker takes no more jobs (drain or stop)."""
        return self.work.draining

    @property
    def lag(self) -> LoopLag:
        """The event-loop lag probe."""
        return self.work.lag

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        """Register with the server, then serve in the background.

        Raises:
            VoiceError: authentication_failed, connection_failed, connection_timeout.
        """
        if self.ledger is not None:
            await self.ledger.open()
        if self.rooms.fleet is not None:
            await self.rooms.fleet.open()
        await self.socket.connect()
        self.registrations += 1
        log.info("worker %s registered (agent name %r)", self.socket.worker_id, self.options.agent_name)
        self._main = asyncio.get_running_loop().create_task(self._serve(), name="lkworker:serve")

    async def drain(self, timeout_s: float | None = None) -> bool:
        """Take no more jobs (report WS_FULL, draining) and wait for the jobs in progress to end.

        Returns:
            True when every job ended within `timeout_s` (default `options.drain_timeout_s`).
        """
        self.work.draining = True
        self.assignments.changed.set()
        deadline = time.monotonic() + (self.options.drain_timeout_s if timeout_s is None else timeout_s)
        while self.work.jobs or self.work.pending:
            self.assignments.ended.clear()
            try:
                async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                    await self.assignments.ended.wait()
            except TimeoutError:
                break
        return not self.work.jobs

    async def stop(self) -> None:
        """End every job (their rooms left, sessions ended), close the socket."""
        self.work.draining = True
        for job in self.work.jobs.values():
            job.terminated.set()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=10.0)
        for task in list(self._tasks):
            task.cancel()
        if self._main is not None:
            self._main.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._main
        await self.rooms.stop()
        await self.socket.close()
        if self.ledger is not None:
            await self.ledger.close()
        if self.rooms.fleet is not None:
            await self.rooms.fleet.close()
        if self.shared_limiter is not None:
            await self.shared_limiter.close()

    def describe(self) -> dict[str, Any]:
        """Worker id, agent name, jobs (room by job id), state, load."""
        return {
            "kind": "livekit_worker", "url": self.config.url, "worker_id": self.socket.worker_id,
            "agent_name": self.options.agent_name, "pid": os.getpid(), "draining": self.draining,
            "jobs": {j.job_id: j.room for j in self.jobs.values()}, "done": len(self.done),
            "connections": len(self.rooms.sessions), "load": round(self.load(), 3),
            "lag_ms": round(self.lag.lag_ms, 1), "worst_lag_ms": round(self.lag.worst_ms, 1),
            "registrations": self.registrations,
            "resumed": self.rooms.resumed,
        }  # fmt: skip

    def attributes(self) -> dict[str, str]:
        """What the agent participant carries: which worker (id, pid) serves the room."""
        return self.assignments.attributes()

    def load(self) -> float:
        """0..1: the larger of jobs (pending included) over `max_jobs` and lag over `lag_full_ms`."""
        return self.work.load()

    def full(self) -> bool:
        """Whether the worker refuses jobs now."""
        return self.work.full()

    def free_slots(self) -> int:
        """Jobs this worker would take now (0 while full)."""
        return self.work.free_slots()

    # -- the socket -----------------------------------------------------------------------
    async def _serve(self) -> None:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(self.lag.run(), name="lkworker:lag")
            tg.create_task(self._report(), name="lkworker:status")
            if self.ledger is not None:
                tg.create_task(self.ledger.watch(self), name="lkworker:ledger")
            if self.rooms.fleet is not None:
                tg.create_task(self.rooms.fleet.keep(self.options.heartbeat_s), name="lkworker:slots")
            tg.create_task(self._receive_forever(), name="lkworker:receive")

    async def _receive_forever(self) -> None:
        backoff = Backoff(0.5, 8.0)
        while True:
            with contextlib.suppress(VoiceError, ConnectionError):
                while (msg := await self.socket.receive()) is not None:
                    backoff.reset()
                    self._on_message(msg)
            log.warning("worker socket lost; registering again")
            while True:
                await asyncio.sleep(backoff.next_delay() or 8.0)
                try:
                    await self.socket.connect()
                except VoiceError as err:
                    log.warning("worker re-register failed: %s", err)
                    continue
                self.registrations += 1
                self.assignments.changed.set()
                break

    def _on_message(self, msg: Any) -> None:
        kind = msg.WhichOneof("message")
        if kind == "availability":
            self._spawn(self.assignments.answer(msg.availability.job), f"avail:{msg.availability.job.id}")
        elif kind == "assignment":
            self.assignments.assigned(msg.assignment)
        elif kind == "termination":
            self.assignments.terminate(msg.termination.job_id)

    async def _report(self) -> None:
        from livekit.protocol import agent

        last_ping = time.monotonic()
        changed = self.assignments.changed
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.options.status_interval_s):
                    await changed.wait()
            changed.clear()
            await self.assignments.send(agent.WorkerMessage(update_worker=self.work.status_update()))
            if time.monotonic() - last_ping >= self.options.ping_interval_s:
                last_ping = time.monotonic()
                with contextlib.suppress(VoiceError):
                    await self.socket.ping()

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
