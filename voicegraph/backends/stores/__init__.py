"""Session stores: where a backend persists its sessions (memory, SQLite, Redis).

`create_store(url)` picks one from a URL; SQLite and Redis are imported only when used.
"""

from __future__ import annotations

from voicegraph.backends.stores.base import SessionStore as SessionStore
from voicegraph.backends.stores.memory_store import MemorySessionStore as MemorySessionStore
from voicegraph.backends.stores.store_factory import create_store as create_store

__all__ = ["MemorySessionStore", "SessionStore", "create_store"]
