"""LiveKit backend: the agent joins rooms; each user's session is admitted and run by a SessionManager."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any, ClassVar

from voicegraph.backends.backend import BackendCapabilities
from voicegraph.backends.hooks import ConnectRequest
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.transports.livekit.livekit_config import LiveKitConfig
from voicegraph.transports.livekit.livekit_transport import LiveKitTransport
from voicegraph.transports.livekit.participant_connection import CALL_TOPIC, ParticipantConnection

if TYPE_CHECKING:
    from voicegraph.backends.session_manager import SessionManager
    from voicegraph.framework.frames.base import Frame
    from voicegraph.transports.connection import Connection

log = logging.getLogger("voicegraph.transports.livekit")


def connect_request(conn: ParticipantConnection) -> ConnectRequest:
    """What the session manager needs to admit a LiveKit user: their room and identity.

    The server authenticated the user already (their token); hooks see `room` and
    `identity` as parameters (routing, per-room limits).
    """
    return ConnectRequest(
        transport="livekit", remote=conn.identity, path=conn.room,
        params={"room": conn.room, "identity": conn.identity},
    )  # fmt: skip


class SessionLiveKitTransport(LiveKitTransport):
    """A `LiveKitTransport` whose user sessions are admitted and run by a `SessionManager`.

    `start` joins `rooms` (created if missing); each user who comes into one is admitted
    (capacity, rate limit, hooks) before their graph is built. A refused user gets a data
    message on `CALL_TOPIC` (`{"type": "error", "code", "message"}`) and no session; the
    agent stays in the room for the others. Session ids are the manager's. Adds no
    latency beyond `LiveKitTransport`'s; `stop` ends every session and leaves the rooms.

    Args:
        manager: the backend's session manager.
        config: server and credentials.
        rooms: rooms to join at start (more with `join`).
    """

    def __init__(self, manager: SessionManager, config: LiveKitConfig, rooms: list[str]) -> None:
        super().__init__(config, session_runner=self._run_admitted)
        self._manager = manager
        self._start_rooms = list(rooms)

    async def start(self) -> None:
        """Join the configured rooms.

        Raises:
            VoiceError: a room could not be joined (see `LiveKitTransport.join`).
        """
        for room in self._start_rooms:
            await self.join(room)

    def describe(self) -> dict[str, Any]:
        """Server, rooms and their state, live sessions."""
        rooms = {name: str(r.state) for name, r in self.rooms.items()}
        return {"kind": "livekit", "url": self.config.url, "rooms": rooms, "connections": len(self.sessions)}

    async def _run_admitted(self, conn: Connection) -> None:
        assert isinstance(conn, ParticipantConnection)  # this transport makes no other kind
        try:
            adm = await self._manager.admit(connect_request(conn))
        except VoiceError as err:
            log.info("room %s: %s refused: %s", conn.room, conn.identity, err)
            await self._tell_refused(conn, err)
            return
        conn.session_id = adm.session_id
        try:
            await self._manager.run(conn)
        finally:
            self._manager.release(adm)

    async def _tell_refused(self, conn: ParticipantConnection, err: VoiceError) -> None:
        track, room = conn.track, self.rooms.get(conn.room)
        link = room.link.room if room is not None else None
        if track is None or link is None:
            return
        payload = json.dumps({"type": "error", "code": str(err.code), "message": err.message}).encode()
        try:
            await link.local_participant.publish_data(
                payload, reliable=True, destination_identities=[conn.identity], topic=CALL_TOPIC
            )
        except Exception as exc:  # the user may be gone already
            log.info("room %s: cannot tell %s: %s", conn.room, conn.identity, exc)


class LiveKitProvider:
    """Backend provider `livekit`: the agent joins LiveKit rooms (pip extra `livekit`).

    Options: `rooms` (list of room names to join at start), and `LiveKitConfig` fields:
    `url`, `api_key`, `api_secret` (else LIVEKIT_URL / LIVEKIT_API_KEY /
    LIVEKIT_API_SECRET), `agent_identity`, `rejoin_grace_s`, `end_call_removes_user`...
    """

    name: ClassVar[str] = "livekit"
    capabilities: ClassVar[BackendCapabilities] = BackendCapabilities(
        persistence=False, min_latency_ms=40.0, codecs=("opus",)
    )
    operations: ClassVar[dict[type[Frame], str]] = {}

    def create(self, manager: SessionManager, options: dict[str, Any]) -> SessionLiveKitTransport:
        """An agent for `manager`'s sessions in the configured rooms.

        Raises:
            VoiceError: (invalid_config) no rooms, or a bad or incomplete LiveKit config.
        """
        options = dict(options)
        rooms = options.pop("rooms", [])
        if isinstance(rooms, str):
            rooms = [rooms]
        if not isinstance(rooms, list) or not rooms or not all(isinstance(r, str) and r for r in rooms):
            raise VoiceError(ErrorCode.INVALID_CONFIG, "the livekit backend needs `rooms` (room names)")
        return SessionLiveKitTransport(manager, LiveKitConfig.from_env(**options), rooms)
