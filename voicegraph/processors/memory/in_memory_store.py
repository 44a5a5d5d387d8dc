"""InMemoryStore: conversation memory in a dict (the default; gone with the process)."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from voicegraph.processors.memory.memory_store import MemoryStore, StoredSession

if TYPE_CHECKING:
    from collections.abc import Sequence


class InMemoryStore(MemoryStore):
    """Keeps each session's messages in process memory. Copies in and out, so callers
    cannot change stored messages by accident."""

    def __init__(self) -> None:
        self._sessions: dict[str, StoredSession] = {}

    async def load(self, session_id: str) -> StoredSession:
        stored = self._sessions.get(session_id)
        return copy.deepcopy(stored) if stored is not None else StoredSession()

    async def append(self, session_id: str, messages: Sequence[dict[str, Any]]) -> None:
        stored = self._sessions.setdefault(session_id, StoredSession())
        stored.messages += copy.deepcopy(list(messages))

    async def compact(self, session_id: str, drop: int, summary: str) -> None:
        stored = self._sessions.setdefault(session_id, StoredSession())
        del stored.messages[:drop]
        stored.summary = summary

    async def delete(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)

    async def sessions(self) -> list[str]:
        return sorted(self._sessions)
