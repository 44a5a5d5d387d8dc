"""DataMessageFrame: a LiveKit data message (bytes plus topic), in either direction."""

from __future__ import annotations

from dataclasses import dataclass

from voicegraph.framework.frames.base import ControlFrame


@dataclass(frozen=True, slots=True, kw_only=True)
class DataMessageFrame(ControlFrame):
    """A data message. In band and ordered; interruptions do not drop it.

    Received messages enter the graph with `sender` set to the participant who sent
    them. A frame the graph makes (empty `sender`) is published by the LiveKit output
    when it reaches it: to the session's user, or to `destinations` when given.
    """

    payload: bytes
    topic: str = ""
    sender: str = ""
    """Identity of the participant who sent it; empty for messages the graph sends."""
    destinations: tuple[str, ...] = ()
    """Identities to deliver to (outgoing only); empty: the session's user."""
    reliable: bool = True
    """Reliable (ordered, retransmitted) or lossy delivery (outgoing only)."""

    @property
    def text(self) -> str:
        """The payload as UTF-8 text (invalid bytes replaced)."""
        return self.payload.decode("utf-8", "replace")
