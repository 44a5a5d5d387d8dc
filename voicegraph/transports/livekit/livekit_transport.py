"""LiveKitTransport: voice sessions for the users of LiveKit rooms, one graph per user."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency
from voicegraph.transports.graph_session_runner import GraphFactory, GraphSessionRunner
from voicegraph.transports.health_report import ComponentHealth, HealthReport, HealthStatus
from voicegraph.transports.livekit.agent_room import AgentRoom, SessionRunner
from voicegraph.transports.livekit.room_admin import RoomAdmin
from voicegraph.transports.livekit.room_link import RoomState
from voicegraph.transports.livekit.token_issuer import AuthHook, TokenIssuer

if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import TracebackType

    from voicegraph.transports.livekit.livekit_config import LiveKitConfig
    from voicegraph.transports.livekit.participant_connection import ParticipantConnection


class LiveKitTransport:
    """An agent that joins LiveKit rooms and runs a voice session per user participant.

    `join(room)` connects the agent (see `AgentRoom`); every user who is or comes into
    the room gets a `ParticipantConnection` and a session run by `session_runner` (by
    default a `GraphSessionRunner` over `graph_factory`, which builds the user's graph on
    `conn.input()` / `conn.output()` and may read `conn.room` / `conn.identity`).
    `tokens` issues access tokens (agent and clients, through the auth hook); `admin` is
    the RoomService. `health()` probes the server and reports each room's connection.

    Audio: users' 48 kHz audio reaches graphs at `config.input_rate`, and bot audio at
    any rate goes back at `config.media_rate`, both resampled with soxr inside the
    connection (no process-wide converter is installed).

    Args:
        config: server URL, credentials and timings (`LiveKitConfig.from_env()`).
        graph_factory: builds one session's graph from its connection.
        session_runner: runs one session instead (e.g. a session manager's).
        auth_hook: sees every token request; may change grants or refuse.

    Raises:
        VoiceError: (invalid_config) neither graph_factory nor session_runner.
    """

    def __init__(
        self,
        config: LiveKitConfig,
        graph_factory: GraphFactory | None = None,
        *,
        session_runner: SessionRunner | None = None,
        auth_hook: AuthHook | None = None,
    ) -> None:
        if session_runner is None:
            if graph_factory is None:
                raise VoiceError(
                    ErrorCode.INVALID_CONFIG, "LiveKitTransport needs graph_factory or session_runner"
                )
            session_runner = GraphSessionRunner(graph_factory)
        self.config = config
        self.tokens = TokenIssuer(config, auth_hook=auth_hook)
        self.admin = RoomAdmin(config)
        self.rooms: dict[str, AgentRoom] = {}
        """Rooms the agent is in, by name."""
        self._runner = session_runner

    @property
    def sessions(self) -> Mapping[str, ParticipantConnection]:
        """Live sessions of every room, by session id."""
        return {c.session_id: c for r in self.rooms.values() for c in r.sessions.values()}

    def session_for(self, room: str, identity: str) -> ParticipantConnection | None:
        """The live session of user `identity` in `room`, if any."""
        agent_room = self.rooms.get(room)
        return agent_room.sessions.get(identity) if agent_room is not None else None

    # -- rooms ----------------------------------------------------------------------------
    async def join(self, room: str, *, create: bool = True) -> AgentRoom:
        """Put the agent in `room` (created first when `create`); returns it once joined.

        Raises:
            VoiceError: authentication_failed (bad key or secret), authorization_failed,
                connection_failed (unknown room with `create=False`, refused) or
                connection_timeout (no answer within `config.connect_timeout_s`).
        """
        current = self.rooms.get(room)
        if current is not None and current.state is not RoomState.CLOSED:
            return current
        agent_room = AgentRoom(
            room, config=self.config, tokens=self.tokens, runner=self._runner, admin=self.admin, create=create
        )
        try:
            await agent_room.start()
        except BaseException:
            await agent_room.close()
            raise
        self.rooms[room] = agent_room
        return agent_room

    async def leave(self, room: str) -> None:
        """End the sessions of `room` and leave it."""
        agent_room = self.rooms.pop(room, None)
        if agent_room is not None:
            await agent_room.close()

    async def stop(self) -> None:
        """Leave every room and close the RoomService client."""
        for name in list(self.rooms):
            await self.leave(name)
        await self.admin.aclose()

    async def __aenter__(self) -> LiveKitTransport:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # -- health ---------------------------------------------------------------------------
    async def health(self) -> HealthReport:
        """Probe the server's health endpoint and look at every room's connection.

        Two components. `server`: unhealthy when the server does not answer, degraded
        when it answers with an error (details: `probe`, e.g. "ok (3.1 ms)"). `rooms`:
        degraded when a room is reconnecting or was given up (details: each room's
        state, `sessions`, `reconnects`). The report is the worse of the two.
        """
        server_ok, server_detail = await self._probe_server()
        if server_ok is None:
            server = HealthStatus.UNHEALTHY
        else:
            server = HealthStatus.HEALTHY if server_ok else HealthStatus.DEGRADED
        rooms = {name: str(r.state) for name, r in self.rooms.items()}
        lost = any(s != RoomState.CONNECTED for s in rooms.values())
        details = {
            "rooms": rooms, "sessions": len(self.sessions),
            "reconnects": sum(r.reconnects for r in self.rooms.values()),
        }  # fmt: skip
        return HealthReport.of([
            ComponentHealth("server", server, {"probe": server_detail}),
            ComponentHealth("rooms", HealthStatus.DEGRADED if lost else HealthStatus.HEALTHY, details),
        ])  # fmt: skip

    async def _probe_server(self) -> tuple[bool | None, str]:
        """(True, "ok"), (False, error status) or (None, why it is unreachable)."""
        try:
            import aiohttp
        except ImportError:
            raise missing_dependency("livekit", "livekit-api") from None

        t0 = time.perf_counter()
        timeout = aiohttp.ClientTimeout(total=self.config.request_timeout_s)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as http,
                http.get(self.config.http_url + "/") as resp,
            ):
                ms = (time.perf_counter() - t0) * 1000
                if resp.status == 200:
                    return True, f"ok ({ms:.1f} ms)"
                return False, f"HTTP {resp.status}"
        except (TimeoutError, aiohttp.ClientError) as exc:
            return None, f"unreachable: {type(exc).__name__}"
