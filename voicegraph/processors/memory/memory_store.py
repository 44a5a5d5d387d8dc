"""MemoryStore: where per-session conversation memory lives (interface)."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence


@dataclass(slots=True)
class StoredSession:
    """One session's memory: its messages (oldest first) and the summary of older ones."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    summary: str = ""


class MemoryStore(abc.ABC):
    """Persists conversation messages per session id.

    Implementations: `InMemoryStore` (the default, per process) and `SQLiteMemoryStore`
    (a file; survives restarts). Methods are async so a store may do I/O off the loop.
    Messages are plain OpenAI message dicts; stores keep them as JSON.
    """

    @abc.abstractmethod
    async def load(self, session_id: str) -> StoredSession:
        """The session's memory (empty when unknown)."""

    @abc.abstractmethod
    async def append(self, session_id: str, messages: Sequence[dict[str, Any]]) -> None:
        """Add messages at the end of the session's history."""

    @abc.abstractmethod
    async def compact(self, session_id: str, drop: int, summary: str) -> None:
        """Remove the session's oldest `drop` messages and set its summary."""

    @abc.abstractmethod
    async def delete(self, session_id: str) -> None:
        """Forget the session."""

    @abc.abstractmethod
    async def sessions(self) -> list[str]:
        """Ids of the sessions stored."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release resources."""
