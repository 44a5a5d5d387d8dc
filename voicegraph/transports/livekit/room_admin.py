"""RoomAdmin: LiveKit's RoomService (create, list and delete rooms; list participants)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from voicegraph.framework.errors import missing_dependency
from voicegraph.transports.livekit.livekit_errors import api_error

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence
    from types import TracebackType

    from voicegraph.transports.livekit.livekit_config import LiveKitConfig

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RoomSummary:
    """A room as the server lists it."""

    name: str
    sid: str
    num_participants: int
    max_participants: int
    empty_timeout_s: int
    metadata: str
    created_at_s: int


@dataclass(frozen=True, slots=True)
class ParticipantSummary:
    """A participant as the server lists it."""

    identity: str
    sid: str
    name: str
    kind: str
    """"standard", "agent", "sip", "ingress", "egress", ..."""
    state: str
    """"joining", "joined", "active" or "disconnected"."""
    tracks: int
    """Published tracks."""


class RoomAdmin:
    """Manages rooms through the server's Twirp RoomService (`livekit-api`).

    One HTTP session per instance, opened on first use; close it with `aclose()` (or
    `async with`). Each call has the config's `request_timeout_s` deadline. LiveKit
    Cloud URLs keep the SDK's region failover; self-hosted servers do not use it.
    Errors are VoiceErrors: authentication_failed (bad key/secret), authorization_failed,
    connection_failed (unknown room, refused, 5xx) and connection_timeout.
    """

    def __init__(self, config: LiveKitConfig) -> None:
        self.config = config
        self._api: Any = None

    def _client(self) -> Any:
        if self._api is None:
            try:
                from livekit import api
            except ImportError:
                raise missing_dependency("livekit", "livekit-api") from None
            cfg = self.config
            self._api = api.LiveKitAPI(cfg.http_url, cfg.api_key, cfg.secret(), failover=cfg.is_cloud)
        return self._api

    async def _call(self, what: str, fn: Callable[[Any], Awaitable[T]]) -> T:
        try:
            async with asyncio.timeout(self.config.request_timeout_s):
                return await fn(self._client())
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise api_error(exc, what=what) from exc

    async def create_room(
        self, name: str, *, empty_timeout_s: int = 300, max_participants: int = 0, metadata: str = ""
    ) -> RoomSummary:
        """Create `name`, or return it if it exists (the server treats create as idempotent)."""
        from livekit import api

        req = api.CreateRoomRequest(
            name=name, empty_timeout=empty_timeout_s, max_participants=max_participants, metadata=metadata
        )
        room = await self._call(f"create room {name!r}", lambda c: c.room.create_room(req))
        return _room(room)

    async def list_rooms(self, names: Sequence[str] = ()) -> list[RoomSummary]:
        """Rooms on the server (only `names`, when given)."""
        from livekit import api

        req = api.ListRoomsRequest(names=list(names))
        resp = await self._call("list rooms", lambda c: c.room.list_rooms(req))
        return [_room(r) for r in resp.rooms]

    async def delete_room(self, name: str) -> None:
        """Delete `name`, disconnecting everyone in it.

        Raises:
            VoiceError: (connection_failed) the room does not exist.
        """
        from livekit import api

        req = api.DeleteRoomRequest(room=name)
        await self._call(f"delete room {name!r}", lambda c: c.room.delete_room(req))

    async def list_participants(self, room: str) -> list[ParticipantSummary]:
        """Participants in `room` (an unknown room has none)."""
        from livekit import api

        req = api.ListParticipantsRequest(room=room)
        resp = await self._call(f"list participants of {room!r}", lambda c: c.room.list_participants(req))
        return [_participant(p) for p in resp.participants]

    async def remove_participant(self, room: str, identity: str) -> None:
        """Disconnect `identity` from `room` (their client is told it was removed).

        Raises:
            VoiceError: (connection_failed) no such room or participant.
        """
        from livekit import api

        req = api.RoomParticipantIdentity(room=room, identity=identity)
        await self._call(f"remove {identity!r} from {room!r}", lambda c: c.room.remove_participant(req))

    async def aclose(self) -> None:
        """Close the HTTP session."""
        client, self._api = self._api, None
        if client is not None:
            await client.aclose()

    async def __aenter__(self) -> RoomAdmin:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


def _room(r: Any) -> RoomSummary:
    return RoomSummary(
        name=r.name, sid=r.sid, num_participants=r.num_participants, max_participants=r.max_participants,
        empty_timeout_s=r.empty_timeout, metadata=r.metadata, created_at_s=r.creation_time,
    )  # fmt: skip


_KINDS = {0: "standard", 1: "ingress", 2: "egress", 3: "sip", 4: "agent", 7: "connector", 8: "bridge"}
_STATES = {0: "joining", 1: "joined", 2: "active", 3: "disconnected"}


def _participant(p: Any) -> ParticipantSummary:
    return ParticipantSummary(
        identity=p.identity, sid=p.sid, name=p.name, kind=_KINDS.get(p.kind, str(p.kind)),
        state=_STATES.get(p.state, str(p.state)), tracks=len(p.tracks),
    )  # fmt: skip
