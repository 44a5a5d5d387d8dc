"""RTVI app-message frames: a client's `client-message` in, a `server-message` out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voicegraph.framework.frames.base import ControlFrame


@dataclass(frozen=True, slots=True, kw_only=True)
class RTVIClientMessageFrame(ControlFrame):
    """An RTVI `client-message` (`{t, d}`) entering the graph from the client.

    In band and ordered; interruptions do not drop it. A node that wants to answer
    sends an `RTVIServerMessageFrame` with `reply_to=msg_id` (an RTVI
    `server-response`); with no answer the client's request simply stays open.
    """

    msg_id: str
    """The request's RTVI id."""
    kind: str
    """The app-defined message type (`t`)."""
    data: Any = None
    """The app-defined payload (`d`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RTVIServerMessageFrame(ControlFrame):
    """A message for the client, sent by the RTVI output when it reaches it.

    Without `reply_to` it is an RTVI `server-message` carrying `data`; with `reply_to`
    (a `client-message` id) it is the `server-response` `{t: kind, d: data}`.
    """

    data: Any = None
    """The payload (any JSON value)."""
    kind: str = ""
    """The `t` of a server-response."""
    reply_to: str = ""
    """Id of the client-message this answers; empty for an unsolicited server-message."""
