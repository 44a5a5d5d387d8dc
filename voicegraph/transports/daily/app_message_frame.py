"""AppMessageFrame: a Daily app message (any JSON value), in either direction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voicegraph.framework.frames.base import ControlFrame

BROADCAST = "*"
"""`AppMessageFrame.to` value that sends to every participant."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AppMessageFrame(ControlFrame):
    """A Daily app message. In band and ordered; interruptions do not drop it.

    Received messages enter the graph with `sender` set to the participant id that
    sent them (RTVI clients send their messages this way, so an RTVI processor can be
    layered on these frames). A frame the graph makes (empty `sender`) is sent by the
    Daily output when it reaches it: to `to` (a participant id, or `BROADCAST`), else
    to the session's participant (one session per participant) or to everyone (one
    session per room).
    """

    message: Any
    """The JSON value (dict, list, str, number...) as the SDK delivers or sends it."""
    sender: str = ""
    """Participant id of the sender; empty for messages the graph sends."""
    to: str = ""
    """Outgoing only: a participant id, `BROADCAST`, or "" for the session's default."""
