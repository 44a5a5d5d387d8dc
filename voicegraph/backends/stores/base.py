"""SessionStore: the interface of where session records live (and `expired`, their retention test)."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

from voicegraph.backends.session import Session, SessionState

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
