"""SessionStore: where session records live (interface, in-memory store, factory by URL)."""

from __future__ import annotations

import abc
import time
from typing import TYPE_CHECKING

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.session import Session, SessionState

if TYPE_CHECKING:
    from types import TracebackType


class SessionStore(abc.ABC):
    """Persists session records so a restarted backend can recover its active sessions.

    Records are written whole (`save`), read by id or resume token, listed by state, and
    deleted. A completed record with `expires_at` in the past is gone for readers even
    before `purge_expired` removes it. Implementations are safe to share between the
    sessions of one process; SQLite and Redis stores are also shared between processes.
    """

    name: str = "store"

    async def open(self) -> None:  # noqa: B027 - optional hook
        """Connect / create tables."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    @abc.abstractmethod
    async def save(self, session: Session) -> None:
        """Write (insert or replace) one record."""

    @abc.abstractmethod
    async def load(self, session_id: str) -> Session | None:
        """The record with this id, or None."""

    @abc.abstractmethod
    async def delete(self, session_id: str) -> None:
        """Remove one record (no error when it is absent)."""

    @abc.abstractmethod
    async def list(self, state: SessionState | None = None) -> list[Session]:
        """Every live record (of `state` when given)."""

    @abc.abstractmethod
    async def purge_expired(self, now: float | None = None) -> int:
        """Delete completed records whose retention ran out; returns how many."""

    async def find_by_token(self, token: str) -> Session | None:
        """The record whose resume token is `token`, or None."""
        if not token:
            return None
        for s in await self.list(SessionState.ACTIVE):
            if s.resume_token == token:
                return s
        return None

    async def ping(self) -> None:
        """Check the store answers.

        Raises:
            VoiceError: (connection_failed) it does not.
        """
        await self.list(SessionState.ACTIVE)

    async def __aenter__(self) -> SessionStore:
        await self.open()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


def expired(session: Session, now: float) -> bool:
    """Whether a record's retention has run out."""
    return session.expires_at is not None and session.expires_at <= now


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


def create_store(url: str) -> SessionStore:
    """A store from a URL: `memory://`, `sqlite:///path/to/file.db` or `redis://host:port/db`.

    Raises:
        VoiceError: (invalid_config) unknown scheme; (missing_dependency) no `redis` package.
    """
    if url in ("", "memory://", "memory"):
        return MemorySessionStore()
    if url.startswith("sqlite://"):
        from voicegraph.framework.sqlite_session_store import SQLiteSessionStore

        path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else ""
        return SQLiteSessionStore(path or ":memory:")
    if url.startswith(("redis://", "rediss://", "unix://")):
        from voicegraph.framework.redis_session_store import RedisSessionStore

        return RedisSessionStore(url)
    raise VoiceError(ErrorCode.INVALID_CONFIG, f"unknown session store URL scheme: {url.split(':', 1)[0]!r}")
