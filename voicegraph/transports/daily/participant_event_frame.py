"""ParticipantEventFrame: who joined or left the Daily room, and the agent's own connection."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from voicegraph.framework.frames.base import SystemFrame


class ParticipantEvent(enum.StrEnum):
    """Room and connection events a session sees."""

    JOINED = "participant_joined"
    """A participant joined (per-participant sessions: the session's own, at its start)."""
    LEFT = "participant_left"
    """A participant left; a per-participant session then ends (drained)."""
    RECONNECTING = "reconnecting"
    """The agent lost the call and is joining again; the session keeps its graph."""
    RECONNECTED = "reconnected"
    """The agent is back in the call."""
    DISCONNECTED = "disconnected"
    """The agent gave up on the call (reconnects used up): the session ends."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ParticipantEventFrame(SystemFrame):
    """A room event for one session. Out of band, never dropped by interruptions."""

    event: ParticipantEvent
    participant_id: str = ""
    """The participant it is about ("" for the agent's own connection events)."""
    user_name: str = ""
    reason: str = ""
    """Daily's leave reason (e.g. "leftCall", "hidden"), or why the agent reconnects."""
