"""RoomEventFrame: what happened in the LiveKit room, as a frame the graph can react to."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from voicegraph.framework.frames.base import SystemFrame


class RoomEvent(enum.StrEnum):
    """Room and connection events a user's session sees."""

    PARTICIPANT_JOINED = "participant_joined"
    """The user joined (first time, or back after leaving within the grace period)."""
    PARTICIPANT_LEFT = "participant_left"
    """The user left; the session ends unless they come back within the grace period."""
    TRACK_MUTED = "track_muted"
    TRACK_UNMUTED = "track_unmuted"
    RECONNECTING = "reconnecting"
    """The agent lost its connection to the server and is reconnecting."""
    RECONNECTED = "reconnected"
    """The agent is connected again (the user may still have to come back)."""
    DISCONNECTED = "disconnected"
    """The agent gave up on the room, or the room is gone: the session ends."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomEventFrame(SystemFrame):
    """A room event for one user's session. Out of band, never dropped by interruptions."""

    event: RoomEvent
    identity: str = ""
    """The user the session belongs to."""
    room: str = ""
    detail: str = ""
    """E.g. the track source for mutes, the reason for a disconnect."""
