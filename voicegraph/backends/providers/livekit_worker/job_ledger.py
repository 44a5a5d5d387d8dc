"""JobLedger: every worker's jobs in Redis, so the rooms of a dead worker are dispatched again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from typing import TYPE_CHECKING, Any

from voicegraph.backends.providers.livekit_worker.dispatch_requests import create_dispatch as create_dispatch
from voicegraph.backends.providers.livekit_worker.dispatch_requests import remove_ghost
from voicegraph.backends.providers.livekit_worker.unserved_rooms import UnservedRooms
from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency

if TYPE_CHECKING:
    from voicegraph.backends.providers.livekit_worker.livekit_worker import LiveKitWorker
    from voicegraph.backends.providers.livekit_worker.room_job import RoomJob
    from voicegraph.transports.livekit.livekit_config import LiveKitConfig

log = logging.getLogger("voicegraph.livekit_worker")
MISSED_BEATS = 3
"""A worker whose liveness mark is this many heartbeats old is dead."""
CLAIM_S = 30.0
"""How long a claim on an orphaned room keeps other survivors off it."""


class JobLedger:
    """The jobs of every worker sharing one Redis, and the re-dispatch of a dead worker's rooms.

    Keys: `<prefix>:job:<room>` (hash: worker key, job id, agent name, since) while a job
    runs; `<prefix>:alive:<worker key>` with a TTL of `MISSED_BEATS` heartbeats, renewed
    every `heartbeat_s` by the worker's `watch` loop. The same loop looks for jobs whose
    worker's mark has expired (killed, frozen, cut off): the first survivor to claim such
    a room (`SET NX` on `<prefix>:claim:<room>`) drops the record and asks the server
    for a new dispatch of that agent name to that room (AgentDispatchService
    CreateDispatch). The server then dispatches it like any job; the worker that takes
    it resumes the users' sessions from the shared session store. Detection takes up to
    `MISSED_BEATS * heartbeat_s` plus one scan; a job that ended cleanly is forgotten.
    The same loop, on a worker with free slots, dispatches again the rooms that the server
    could place on no worker (`unserved`, see `UnservedRooms`).

    Args:
        url: redis://host:port/db.
        prefix: key prefix (workers of one agent fleet share it).
        heartbeat_s: between two liveness marks and scans.
        agent_name: the agent name of this fleet (whose unserved rooms it dispatches again).
        retry_grace_s: between an unplaced dispatch and its retry.
        retry_window_s: how long after its first unplaced dispatch a room is retried.
        target_load: the server's target load; over it this worker retries nothing.
    """

    def __init__(
        self, url: str, *, prefix: str, heartbeat_s: float, agent_name: str = "",
        retry_grace_s: float = 3.0, retry_window_s: float = 120.0, target_load: float = 0.7,
    ) -> None:  # fmt: skip
        self.url, self.prefix, self.heartbeat_s = url, prefix, heartbeat_s
        self.target_load = target_load
        self.unserved = UnservedRooms(
            prefix, agent_name=agent_name, grace_s=retry_grace_s, window_s=retry_window_s
        )
        """Finds and dispatches again the rooms no worker took."""
        self.worker_key = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        """This process's key in the ledger."""
        self.redispatched: list[dict[str, Any]] = []
        """Rooms this worker asked the server to dispatch again (room, agent name, dead worker, s)."""
        self._r: Any = None

    async def open(self) -> None:
        """Connect and mark this worker alive.

        Raises:
            VoiceError: (connection_failed) Redis does not answer; (missing_dependency) no redis.
        """
        try:
            import redis.asyncio as aioredis
        except ImportError:
            raise missing_dependency("redis", "redis") from None
        self._r = aioredis.from_url(
            self.url, decode_responses=True, socket_timeout=5, socket_connect_timeout=5
        )
        try:
            await self._beat()
        except Exception as exc:
            await self.close()
            raise VoiceError(ErrorCode.CONNECTION_FAILED, f"job ledger: {self.url}: {exc}") from None

    async def close(self) -> None:
        """Drop this worker's liveness mark (its jobs have ended) and disconnect."""
        r, self._r = self._r, None
        if r is not None:
            with contextlib.suppress(Exception):
                await r.delete(self._k("alive", self.worker_key))
            await r.aclose()

    def _k(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    async def _beat(self) -> None:
        ttl_ms = int(self.heartbeat_s * MISSED_BEATS * 1000)
        await self._r.set(self._k("alive", self.worker_key), str(time.time()), px=ttl_ms)

    async def record(self, job: RoomJob, worker_id: str, identity: str) -> None:
        """Note that this worker runs `job` as participant `identity` (a failure is logged)."""
        fields = {"worker": self.worker_key, "worker_id": worker_id, "job_id": job.job_id,
                  "agent_name": job.agent_name, "identity": identity, "since": str(time.time())}  # fmt: skip
        try:
            await self._r.hset(self._k("job", job.room), mapping=fields)
        except Exception as exc:
            log.warning("job ledger: cannot record %s: %s", job.room, exc)

    async def served_by(self, room: str) -> str:
        """The worker id of the live job in `room` ("": none, or Redis does not answer)."""
        try:
            record = await self._r.hgetall(self._k("job", room))
            owner = record.get("worker", "")
            if owner and await self._r.exists(self._k("alive", owner)):
                return str(record.get("worker_id", "") or owner)
        except Exception as exc:
            log.warning("job ledger: cannot read %s: %s", room, exc)
        return ""

    async def forget(self, job: RoomJob) -> None:
        """The job ended cleanly: nothing to dispatch again (only if it is still ours)."""
        with contextlib.suppress(Exception):
            key = self._k("job", job.room)
            if await self._r.hget(key, "worker") == self.worker_key:
                await self._r.delete(key)

    async def watch(self, worker: LiveKitWorker) -> None:
        """Mark alive, re-dispatch orphaned rooms and, with free slots, unserved ones, every
        `heartbeat_s`, until cancelled."""
        while True:
            try:
                await self._beat()
                for room, record in await self.orphans():
                    await self._redispatch(worker.config, room, record)
                # the server places a job only while some worker is under its target load
                free = worker.free_slots() if worker.load() < self.target_load else 0
                period = max(self.heartbeat_s, self.unserved.grace_s)
                await self.unserved.retry(self._r, worker.config, free, period)
            except Exception as exc:  # Redis away for a moment: try again next beat
                log.warning("job ledger: %s", exc)
            await asyncio.sleep(self.heartbeat_s)

    async def orphans(self) -> list[tuple[str, dict[str, str]]]:
        """(room, record) of every job whose worker is no longer marked alive."""
        out: list[tuple[str, dict[str, str]]] = []
        head = self._k("job", "")
        async for key in self._r.scan_iter(match=head + "*", count=200):
            record = await self._r.hgetall(key)
            owner = record.get("worker", "")
            if owner and owner != self.worker_key and not await self._r.exists(self._k("alive", owner)):
                out.append((key[len(head) :], record))
        return out

    async def _redispatch(self, config: LiveKitConfig, room: str, record: dict[str, str]) -> None:
        if not await self._r.set(self._k("claim", room), self.worker_key, nx=True, px=int(CLAIM_S * 1000)):
            return  # another survivor has it
        await self._r.delete(self._k("job", room))
        t0 = time.monotonic()
        name, dead = record.get("agent_name", ""), record.get("worker_id", "")
        await create_dispatch(config, room, name, f"redispatch:{record.get('job_id', '')}")
        if record.get("identity"):  # the dead agent's participant stays until the server times it out
            await remove_ghost(config, room, record["identity"])
        took = round(time.monotonic() - t0, 3)
        self.redispatched.append({"room": room, "agent_name": name, "dead_worker": dead, "request_s": took})
        log.info("job ledger: room %s of dead worker %s dispatched again", room, record.get("worker_id"))
