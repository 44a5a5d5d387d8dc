"""SQLiteSessionStore: the default persistent session store (one file, WAL, stdlib sqlite3)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time

from voicegraph.backends.session import Session, SessionState
from voicegraph.backends.stores.base import SessionStore
from voicegraph.framework.errors import ErrorCode, VoiceError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    resume_token TEXT NOT NULL DEFAULT '',
    expires_at REAL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_state ON sessions(state);
CREATE INDEX IF NOT EXISTS sessions_token ON sessions(resume_token);
"""


class SQLiteSessionStore(SessionStore):
    """Session records in a SQLite file; survives a crash of the process (WAL, synchronous=NORMAL
    commits each write before `save` returns, so a kill -9 loses nothing already saved).

    Each call runs in a worker thread (`asyncio.to_thread`) on one connection guarded by a
    lock, so the event loop never blocks on disk. Several processes may share the file
    (SQLite's own locking, `busy_timeout` 5 s).

    Args:
        path: database file (":memory:" for a private in-memory database).
    """

    name = "sqlite"

    def __init__(self, path: str) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._closed = False

    async def open(self) -> None:
        self._closed = False
        if self._db is None:
            db = await asyncio.to_thread(self._connect)
            with self._lock:
                spare: sqlite3.Connection | None = db if self._db is not None else None
                if self._db is None:
                    self._db = db
            if spare is not None:  # another caller opened it meanwhile
                spare.close()

    def _connect(self) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA busy_timeout=5000")
            if self.path != ":memory:":
                db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise VoiceError(
                ErrorCode.CONNECTION_FAILED, f"cannot open session store {self.path}: {exc}"
            ) from exc
        return db

    async def close(self) -> None:
        def shut() -> None:
            with self._lock:  # never while a statement runs: closing under it crashes sqlite3
                db, self._db = self._db, None
                if db is not None:
                    db.close()

        self._closed = True
        await asyncio.to_thread(shut)

    async def _run(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        if self._db is None and not self._closed:
            await self.open()

        def work() -> list[tuple[object, ...]]:
            with self._lock:
                if self._db is None:
                    raise sqlite3.ProgrammingError("the session store is closed")
                return self._db.execute(sql, args).fetchall()

        try:
            return await asyncio.to_thread(work)
        except sqlite3.Error as exc:
            raise VoiceError(ErrorCode.CONNECTION_FAILED, f"session store {self.path}: {exc}") from exc

    async def save(self, session: Session) -> None:
        record = json.dumps(session.to_record(), separators=(",", ":"))
        await self._run(
            "INSERT OR REPLACE INTO sessions (id, state, resume_token, expires_at, record) "
            "VALUES (?,?,?,?,?)",
            (session.id, str(session.state), session.resume_token, session.expires_at, record),
        )

    async def load(self, session_id: str) -> Session | None:
        rows = await self._run(
            "SELECT record FROM sessions WHERE id=? AND (expires_at IS NULL OR expires_at>?)",
            (session_id, time.time()),
        )
        return Session.from_record(json.loads(str(rows[0][0]))) if rows else None

    async def find_by_token(self, token: str) -> Session | None:
        if not token:
            return None
        rows = await self._run(
            "SELECT record FROM sessions WHERE resume_token=? AND state=?", (token, str(SessionState.ACTIVE))
        )
        return Session.from_record(json.loads(str(rows[0][0]))) if rows else None

    async def delete(self, session_id: str) -> None:
        await self._run("DELETE FROM sessions WHERE id=?", (session_id,))

    async def list(self, state: SessionState | None = None) -> list[Session]:
        live = "(expires_at IS NULL OR expires_at>?)"
        if state is None:
            rows = await self._run(f"SELECT record FROM sessions WHERE {live}", (time.time(),))
        else:
            rows = await self._run(
                f"SELECT record FROM sessions WHERE state=? AND {live}", (str(state), time.time())
            )
        return [Session.from_record(json.loads(str(r[0]))) for r in rows]

    async def purge_expired(self, now: float | None = None) -> int:
        now = time.time() if now is None else now
        rows = await self._run(
            "DELETE FROM sessions WHERE expires_at IS NOT NULL AND expires_at<=? RETURNING id", (now,)
        )
        return len(rows)

    async def ping(self) -> None:
        await self._run("SELECT 1")
