"""SessionConnection: what the session layer needs of a transport's connection."""

from __future__ import annotations

from typing import Protocol


class SessionConnection(Protocol):
    """What the session layer needs of a transport's connection (`transports.Connection`).

    Optional: a `graph_observer(frame, link)` attribute. The session layer attaches it
    to every link of the session's graph, so the connection sees frames that never
    reach the output (the RTVI connections report the LLM's tokens this way).
    """

    session_id: str
    lost: bool

    def finish(self, *, lost: bool = False) -> None:
        """End the session: drained, or lost (cancelled)."""

    @property
    def finished(self) -> bool:
        """Whether the session ended."""

    async def wait_finished(self) -> None:
        """Wait until the session ends."""
