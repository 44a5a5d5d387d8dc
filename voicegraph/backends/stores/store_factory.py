"""create_store: a session store from a URL (memory, SQLite, Redis).

Its own module so the store base knows none of its subclasses (no import circle).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from voicegraph.backends.stores.memory_store import MemorySessionStore
from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from voicegraph.backends.stores.base import SessionStore


def create_store(url: str) -> SessionStore:
    """A store from a URL: `memory://`, `sqlite:///path/to/file.db` or `redis://host:port/db`.

    Raises:
        VoiceError: (invalid_config) unknown scheme; (missing_dependency) no `redis` package.
    """
    if url in ("", "memory://", "memory"):
        return MemorySessionStore()
    if url.startswith("sqlite://"):
        from voicegraph.backends.stores.sqlite_store import SQLiteSessionStore

        path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else ""
        return SQLiteSessionStore(path or ":memory:")
    if url.startswith(("redis://", "rediss://", "unix://")):
        from voicegraph.backends.stores.redis_store import RedisSessionStore

        return RedisSessionStore(url)
    raise VoiceError(ErrorCode.INVALID_CONFIG, f"unknown session store URL scheme: {url.split(':', 1)[0]!r}")
