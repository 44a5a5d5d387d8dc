"""JobAssignments: the server's job offers answered, assignments taken, jobs run to their end."""

from __future__ import annotations

import asyncio
import logging
import os
from typing import TYPE_CHECKING, Any

from voicegraph.backends.providers.livekit_worker.room_job import (
    PID_ATTRIBUTE,
    WORKER_ATTRIBUTE,
    RoomJob,
    job_identity,
)
from voicegraph.framework.errors import VoiceError

if TYPE_CHECKING:
    from voicegraph.backends.providers.livekit_worker.agent_socket import AgentSocket
    from voicegraph.backends.providers.livekit_worker.job_ledger import JobLedger
    from voicegraph.backends.providers.livekit_worker.job_sessions import JobSessions
    from voicegraph.backends.providers.livekit_worker.job_tokens import JobTokens
    from voicegraph.backends.providers.livekit_worker.worker_load import WorkerLoad
    from voicegraph.transports.livekit.livekit_config import LiveKitConfig

log = logging.getLogger("voicegraph.livekit_worker")
ASSIGNMENT_TIMEOUT_S = 7.5


class JobAssignments:
    """A worker's side of the job exchange: availability, assignment, job status.

    Handles `answer(job)` for each `AvailabilityRequest`: yes while `load` is not full
    (the agent joins as `job_identity(config.agent_identity, job id)`, named
    `config.agent_name`, carrying the worker's id and pid as attributes), then waits up to
    `ASSIGNMENT_TIMEOUT_S` for the `JobAssignment` (`assigned`) and runs the job (an
    offer for a room the ledger shows a live job in is answered `terminate`: done, so a
    dispatch retried while its first job was being placed adds no second agent): the
    agent joins the room with the minted token, each user there gets a session from
    `rooms`, and the job ends when the call is over (see `RoomJob.run`) or on
    `terminate`. Emits `UpdateJobStatus` (running, then success or failed), records the
    job in the `ledger` while it runs, and sets `changed` (a status report is due) and
    `ended` (a drain may be over) at each change. A lost socket drops a message (logged):
    the worker registers again and its rooms go on.

    Args:
        config: the agent's identity and name.
        socket: where answers and job status go.
        rooms: the sessions of the worker's rooms.
        tokens: assignment tokens by room (what the agent joins with).
        load: the jobs and the load.
        ledger: the shared job record (None: none).
        idle_room_s: a room with no user for this long ends its job.
    """

    def __init__(
        self, config: LiveKitConfig, socket: AgentSocket, rooms: JobSessions, tokens: JobTokens,
        load: WorkerLoad, ledger: JobLedger | None, idle_room_s: float,
    ) -> None:  # fmt: skip
        self.config, self.socket, self.rooms, self.tokens = config, socket, rooms, tokens
        self.load, self.ledger, self.idle_room_s = load, ledger, idle_room_s
        self.changed = asyncio.Event()
        """Set when a job starts or ends (the worker reports its status at once)."""
        self.ended = asyncio.Event()
        """Set when a job or a pending offer ends."""

    def attributes(self) -> dict[str, str]:
        """What the agent participant carries: which worker (id, pid) serves the room."""
        return {WORKER_ATTRIBUTE: self.socket.worker_id, PID_ATTRIBUTE: str(os.getpid())}

    def assigned(self, assignment: Any) -> None:
        """The server's `JobAssignment` for an offer this worker accepted."""
        fut = self.load.pending.get(assignment.job.id)
        if fut is not None and not fut.done():
            fut.set_result(assignment)
        else:
            log.warning("assignment for unknown job %s", assignment.job.id)

    def terminate(self, job_id: str) -> None:
        """The server ends job `job_id` (JobTermination)."""
        job = self.load.jobs.get(job_id)
        if job is not None:
            job.terminated.set()

    async def answer(self, job: Any) -> None:
        """Answer one `AvailabilityRequest`; when taken, run the job until it ends."""
        from livekit.protocol import agent

        ok = not self.load.full()
        if ok and self.ledger is not None and (holder := await self.ledger.served_by(job.room.name)):
            # a retry raced with a job that was placed after all: one agent per room
            log.info("job %s for room %s: served by worker %s; done", job.id, job.room.name, holder)
            await self.send(
                agent.WorkerMessage(availability=agent.AvailabilityResponse(job_id=job.id, terminate=True))
            )
            return
        log.info(
            "job %s for room %s (agent %r): %s",
            job.id,
            job.room.name,
            job.agent_name,
            "yes" if ok else "full",
        )
        reply = agent.AvailabilityResponse(job_id=job.id, available=ok)
        if ok:
            reply.participant_identity = job_identity(self.config.agent_identity, job.id)
            reply.participant_name = self.config.agent_name
            reply.participant_attributes.update(self.attributes())
            self.load.pending[job.id] = asyncio.get_running_loop().create_future()
        await self.send(agent.WorkerMessage(availability=reply))
        if not ok:
            return
        self.changed.set()
        try:
            async with asyncio.timeout(ASSIGNMENT_TIMEOUT_S):
                assignment = await self.load.pending[job.id]
        except TimeoutError:
            log.warning("job %s: no assignment within %ss", job.id, ASSIGNMENT_TIMEOUT_S)
            return
        finally:
            self.load.pending.pop(job.id, None)
            self.ended.set()
        await self._run(job, assignment.token)

    async def _run(self, job: Any, token: str) -> None:
        from livekit.protocol import agent

        rj = RoomJob(job.id, job.room.name, job.dispatch_id, job.agent_name)
        self.load.jobs[job.id] = rj
        self.tokens.assigned[rj.room] = token
        status = agent.JS_SUCCESS
        log.info("job %s: joining room %s", rj.job_id, rj.room)
        await self._job_status(rj, agent.JS_RUNNING)
        if self.ledger is not None:
            identity = job_identity(self.config.agent_identity, rj.job_id)
            await self.ledger.record(rj, self.socket.worker_id, identity)
        try:
            await rj.run(self.rooms, self.idle_room_s)
        except VoiceError as err:
            rj.error, status = str(err), agent.JS_FAILED
            log.warning("job %s in %s failed: %s", rj.job_id, rj.room, err)
        finally:
            log.info("job %s in %s ended: %s (%s users)", rj.job_id, rj.room, rj.ended_by, rj.users)
            self.load.jobs.pop(job.id, None)
            self.tokens.assigned.pop(rj.room, None)
            self.load.done.append(rj)
            self.changed.set()
            self.ended.set()
        if self.ledger is not None:  # ended here, cleanly or not: nothing to dispatch again
            await self.ledger.forget(rj)
        await self._job_status(rj, status)

    async def _job_status(self, job: RoomJob, status: int) -> None:
        from livekit.protocol import agent

        update = agent.UpdateJobStatus(job_id=job.job_id, status=status, error=job.error or None)  # type: ignore[arg-type]
        await self.send(agent.WorkerMessage(update_job=update))

    async def send(self, message: Any) -> None:
        """Send one `WorkerMessage`; a closed socket drops it (the receive loop re-registers)."""
        try:
            await self.socket.send(message)
        except VoiceError as err:
            log.info("worker message dropped: %s", err)
