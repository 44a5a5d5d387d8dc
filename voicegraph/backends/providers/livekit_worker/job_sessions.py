"""JobSessions: the sessions of a worker's rooms, resumable by any worker (room + identity)."""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING

from voicegraph.backends.providers.livekit import SessionLiveKitTransport, connect_request
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.transports.livekit.participant_connection import ParticipantConnection

if TYPE_CHECKING:
    from voicegraph.backends.live_session import Admission
    from voicegraph.backends.providers.livekit_worker.fleet_limits import FleetLimits
    from voicegraph.transports.connection import Connection

log = logging.getLogger("voicegraph.livekit_worker")


def room_session_id(room: str, identity: str) -> str:
    """The session id of user `identity` in `room`: the same on every worker."""
    return f"lk:{room}:{identity}"


class JobSessions(SessionLiveKitTransport):
    """A `SessionLiveKitTransport` whose session ids are `lk:<room>:<identity>`.

    When a worker dies, its rooms are dispatched to another worker; there each user's
    session is admitted as a resume of the record the dead worker left in the shared
    store (Redis), so the conversation goes on with its context. A user with no such
    record (or whose record is still owned by a live process) gets a new session under
    the same id. Adds no latency beyond one store read per user.
    """

    resumed: int = 0
    """Sessions admitted as resumes (for describe and tests)."""
    fleet: FleetLimits | None = None
    """Limits shared by the fleet, checked before this worker's own (None: none)."""

    async def _admit(self, conn: ParticipantConnection) -> Admission:
        sid = room_session_id(conn.room, conn.identity)
        if self.fleet is not None:
            await self.fleet.admit(sid)
        try:
            adm = await self._manager.admit(dataclasses.replace(connect_request(conn), resume=sid))
            self.resumed += 1
            log.info("room %s: resumed the session of %s", conn.room, conn.identity)
            return adm
        except VoiceError as err:
            if err.code is not ErrorCode.SESSION_NOT_FOUND:
                raise
        return await self._manager.admit(connect_request(conn), session_id=sid)

    async def _run_admitted(self, conn: Connection) -> None:
        assert isinstance(conn, ParticipantConnection)  # this transport makes no other kind
        try:
            adm = await self._admit(conn)
        except VoiceError as err:
            log.info("room %s: %s refused: %s", conn.room, conn.identity, err)
            if self.fleet is not None and err.code is not ErrorCode.SESSION_LIMIT_EXCEEDED:
                await self.fleet.release(room_session_id(conn.room, conn.identity))
            await self._tell_refused(conn, err)
            return
        conn.session_id = adm.session_id
        try:
            await self._manager.run(conn)
        finally:
            self._manager.release(adm)
            if self.fleet is not None:
                await self.fleet.release(adm.session_id)
