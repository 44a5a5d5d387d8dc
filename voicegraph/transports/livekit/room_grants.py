"""RoomGrants: what a LiveKit access token allows (the `video` grant), as plain data."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RoomGrants:
    """The permissions put in a token's `video` claim, without importing the SDK.

    Change one with `dataclasses.replace` (an auth hook does that to add or remove
    grants). `to_livekit()` gives the SDK's `VideoGrants`.
    """

    room: str = ""
    """The room the token is for (required to join)."""
    room_join: bool = True
    can_publish: bool = True
    can_subscribe: bool = True
    can_publish_data: bool = True
    can_publish_sources: tuple[str, ...] = ()
    """Sources the holder may publish (e.g. "microphone"); empty: any."""
    can_update_own_metadata: bool = False
    hidden: bool = False
    """Other participants do not see the holder."""
    agent: bool = False
    """The holder is an agent (LiveKit's agent participant kind)."""
    room_create: bool = False
    room_list: bool = False
    room_admin: bool = False

    def replace(self, **changes: Any) -> RoomGrants:
        """A copy with `changes` applied."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_livekit(cls, grants: Any) -> RoomGrants:
        """Plain grants from the SDK's `VideoGrants` (e.g. of a verified token)."""
        return cls(
            room=grants.room or "",
            room_join=bool(grants.room_join),
            can_publish=bool(grants.can_publish),
            can_subscribe=bool(grants.can_subscribe),
            can_publish_data=bool(grants.can_publish_data),
            can_publish_sources=tuple(grants.can_publish_sources or ()),
            can_update_own_metadata=bool(grants.can_update_own_metadata),
            hidden=bool(grants.hidden),
            agent=bool(grants.agent),
            room_create=bool(grants.room_create),
            room_list=bool(grants.room_list),
            room_admin=bool(grants.room_admin),
        )

    def to_livekit(self) -> Any:
        """The `livekit.api.VideoGrants` for these grants (the SDK must be installed)."""
        from livekit import api

        return api.VideoGrants(
            room=self.room,
            room_join=self.room_join,
            can_publish=self.can_publish,
            can_subscribe=self.can_subscribe,
            can_publish_data=self.can_publish_data,
            can_publish_sources=list(self.can_publish_sources) or None,  # empty list would forbid all
            can_update_own_metadata=self.can_update_own_metadata,
            hidden=self.hidden,
            agent=self.agent,
            room_create=self.room_create,
            room_list=self.room_list,
            room_admin=self.room_admin,
        )
