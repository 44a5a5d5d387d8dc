"""SQLiteMemoryStore: conversation memory in a SQLite file, so it survives a restart."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.memory.memory_store import MemoryStore, StoredSession

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY,
    summary TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS messages (
    session_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
);
"""


class SQLiteMemoryStore(MemoryStore):
    """Stores each session's messages as JSON rows in a SQLite database file.

    Calls run in a worker thread (one connection, serialized by a lock), off the event
    loop; each call is one transaction, so a crash loses at most the call in flight.
    WAL journaling keeps writes cheap. `":memory:"` works for tests that need no file.

    Args:
        path: the database file (created with its folder when missing).

    Raises:
        VoiceError: (invalid_config) the file cannot be opened as a database.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise VoiceError(
                ErrorCode.INVALID_CONFIG, f"cannot open memory store {self.path}: {exc}"
            ) from exc
        self._lock = threading.Lock()
        self._closed = False

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def call() -> T:
            with self._lock:
                if self._closed:
                    raise VoiceError(ErrorCode.PIPELINE_ERROR, f"memory store {self.path} is closed")
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    result = fn(self._db)
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
                return result

        return await asyncio.to_thread(call)

    async def load(self, session_id: str) -> StoredSession:
        def read(db: sqlite3.Connection) -> StoredSession:
            row = db.execute("SELECT summary FROM sessions WHERE session_id = ?", (session_id,)).fetchone()
            rows = db.execute(
                "SELECT message FROM messages WHERE session_id = ? ORDER BY seq", (session_id,)
            ).fetchall()
            return StoredSession([json.loads(r[0]) for r in rows], row[0] if row else "")

        return await self._run(read)

    async def append(self, session_id: str, messages: Sequence[dict[str, Any]]) -> None:
        rows = [json.dumps(m, ensure_ascii=False) for m in messages]

        def write(db: sqlite3.Connection) -> None:
            db.execute("INSERT OR IGNORE INTO sessions (session_id) VALUES (?)", (session_id,))
            (last,) = db.execute(
                "SELECT COALESCE(MAX(seq), -1) FROM messages WHERE session_id = ?", (session_id,)
            ).fetchone()
            db.executemany(
                "INSERT INTO messages (session_id, seq, message) VALUES (?, ?, ?)",
                [(session_id, last + 1 + i, r) for i, r in enumerate(rows)],
            )

        if rows:
            await self._run(write)

    async def compact(self, session_id: str, drop: int, summary: str) -> None:
        def write(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO sessions (session_id, summary) VALUES (?, ?) "
                "ON CONFLICT(session_id) DO UPDATE SET summary = excluded.summary",
                (session_id, summary),
            )
            db.execute(
                "DELETE FROM messages WHERE session_id = ? AND seq IN "
                "(SELECT seq FROM messages WHERE session_id = ? ORDER BY seq LIMIT ?)",
                (session_id, session_id, drop),
            )

        await self._run(write)

    async def delete(self, session_id: str) -> None:
        def write(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM messages WHERE session_id = ?", (session_id,))
            db.execute("DELETE FROM sessions WHERE session_id = ?", (session_id,))

        await self._run(write)

    async def sessions(self) -> list[str]:
        def read(db: sqlite3.Connection) -> list[str]:
            return [r[0] for r in db.execute("SELECT session_id FROM sessions ORDER BY session_id")]

        return await self._run(read)

    async def aclose(self) -> None:
        def close() -> None:
            with self._lock:
                if not self._closed:
                    self._closed = True
                    self._db.close()

        await asyncio.to_thread(close)
