"""JobLedger: the jobs of every worker in Redis, so a dead worker's rooms are dispatched again."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voicegraph.backends.providers.livekit_worker.livekit_worker import LiveKitWorker
    from voicegraph.backends.providers.livekit_worker.room_job import RoomJob


class JobLedger:
    """Placeholder, filled in below."""

    def __init__(self, url: str, *, prefix: str, heartbeat_s: float) -> None:
        self.url, self.prefix, self.heartbeat_s = url, prefix, heartbeat_s

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def record(self, job: RoomJob, worker_id: str) -> None: ...
    async def forget(self, job: RoomJob) -> None: ...
    async def watch(self, worker: LiveKitWorker) -> None: ...
