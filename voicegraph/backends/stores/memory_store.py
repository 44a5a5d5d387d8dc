"""MemorySessionStore: session records kept in this process only."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from voicegraph.backends.stores.base import SessionStore, expired

if TYPE_CHECKING:
    from voicegraph.backends.session import Session, SessionState


class MemorySessionStore(SessionStore):
    """Keeps records in this process only (no recovery after a restart); the fallback store."""

    name = "memory"

    def __init__(self) -> None:
        self._records: dict[str, Session] = {}

    async def save(self, session: Session) -> None:
        self._records[session.id] = session.copy()

    async def load(self, session_id: str) -> Session | None:
        s = self._records.get(session_id)
        return s.copy() if s is not None and not expired(s, time.time()) else None

    async def delete(self, session_id: str) -> None:
        self._records.pop(session_id, None)

    async def list(self, state: SessionState | None = None) -> list[Session]:
        now = time.time()
        return [
            s.copy()
            for s in self._records.values()
            if (state is None or s.state is state) and not expired(s, now)
        ]

    async def purge_expired(self, now: float | None = None) -> int:
        now = time.time() if now is None else now
        gone = [k for k, s in self._records.items() if expired(s, now)]
        for k in gone:
            del self._records[k]
        return len(gone)
