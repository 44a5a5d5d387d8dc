"""RoomJob: one dispatched job: the agent in its room until the call there is over."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from voicegraph.transports.livekit.room_link import RoomState

if TYPE_CHECKING:
    from voicegraph.backends.providers.livekit_worker.job_sessions import JobSessions

log = logging.getLogger("voicegraph.livekit_worker")
WORKER_ATTRIBUTE = "voicegraph.worker_id"
"""Agent participant attribute: the id of the worker serving the room."""
PID_ATTRIBUTE = "voicegraph.worker_pid"


def job_identity(agent_identity: str, job_id: str) -> str:
    """The agent participant's identity in one job's room: `<agent identity>-<job id>`.

    One per job, not one per agent: livekit-server ends a job when a participant with
    its agent identity leaves, so a re-dispatched job must not share the identity of
    the dead worker's participant (still in the room until the server times it out).
    """
    return f"{agent_identity}-{job_id}"


@dataclass(slots=True)
class RoomJob:
    """A job the server assigned: its id, room, and how it went."""

    job_id: str
    room: str
    dispatch_id: str = ""
    agent_name: str = ""
    started: float = field(default_factory=time.monotonic)
    users: int = 0
    """Sessions seen in the room."""
    terminated: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when the server ends the job (JobTermination) or the worker stops."""
    error: str = ""
    ended_by: str = ""
    """Why the job ended: users_left, idle, room_closed (why), terminated."""

    async def run(self, rooms: JobSessions, idle_s: float, poll_s: float = 0.2) -> None:
        """Join the room (with the assignment token) and stay while the call goes on.

        The job ends when every user session that came has ended (their rejoin grace
        included), when no user came within `idle_s`, when the room closes (deleted, agent
        removed) or on termination. The room is left in every case.

        Raises:
            VoiceError: joining failed (see `LiveKitTransport.join`).
        """
        try:
            agent_room = await rooms.join(self.room, create=False)
            idle_since = time.monotonic()
            self.ended_by = "terminated"
            while not self.terminated.is_set():
                if agent_room.state is RoomState.CLOSED:
                    self.ended_by = f"room_closed ({agent_room.last_error})"
                    break
                live = len(agent_room.sessions)
                self.users = max(self.users, live)
                if live:
                    idle_since = time.monotonic()
                elif self.users or time.monotonic() - idle_since > idle_s:
                    self.ended_by = "users_left" if self.users else "idle"
                    break
                try:
                    async with asyncio.timeout(poll_s):
                        await self.terminated.wait()
                except TimeoutError:
                    pass
        finally:
            await rooms.leave(self.room)
