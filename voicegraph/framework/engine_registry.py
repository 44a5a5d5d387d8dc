"""EngineRegistry: engines loaded once per process and shared by every session's nodes.

A served process runs one graph per session, but its models (Whisper, PocketSphinx,
Piper, Silero, the local LLM server) are the same for every session: loading them per
session costs seconds and ~100 MB each (issue 12, causes 1 and 6). Nodes ask this
registry for their engine by kind and parameters; the first ask loads it, later asks
get the same object. `close_all` releases everything (at process exit, or when a
server shuts down).
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, runtime_checkable

T = TypeVar("T")
log = logging.getLogger(__name__)

EngineKey = tuple[str, Hashable]
"""(kind, parameters): e.g. ("whisper", (model_dir, "int8", 2))."""


@runtime_checkable
class EngineHolder(Protocol):
    """A node whose engines live in `ENGINES`: they can be loaded and warmed before any
    session starts (`voicegraph.processors.engines.engine_preload`); the node's `on_start` then finds
    them loaded."""

    def load_engines(self) -> None:
        """Load the node's engines into `ENGINES` (blocking; starts nothing per session)."""

    def warm_engines(self) -> None:
        """Run each engine once so its first real use pays no one-off costs (blocking)."""


@dataclass(slots=True)
class _Entry:
    value: Any
    close: Callable[[Any], None] | None


class EngineRegistry:
    """Loaded engines by (kind, parameters), thread-safe get-or-load.

    Handles concurrent asks from many sessions' worker threads: one load per key (others
    asking for the same key wait for it), loads of different keys do not wait for each
    other. A load that fails is not kept, so the next ask tries again. Every engine kept
    here must be safe to share between sessions (thread-safe, or locking inside).
    Latency: a dict lookup once loaded; the engine's own load time the first time.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[EngineKey, _Entry] = {}
        self._key_locks: dict[EngineKey, threading.Lock] = {}
        self._loads: dict[EngineKey, int] = {}

    def get(
        self, kind: str, params: Hashable, load: Callable[[], T], *, close: Callable[[T], None] | None = None
    ) -> T:
        """The engine for (`kind`, `params`), loaded with `load()` on first use. Blocking.

        Args:
            kind: engine family ("whisper", "piper", ...).
            params: what makes two engines of the kind differ (model path, threads...).
            load: builds the engine (called at most once per key until `close_all`).
            close: releases it at `close_all` (None: dropping the reference is enough).

        Raises:
            Whatever `load` raises (VoiceError with its code, typically); nothing is kept.
        """
        key = (kind, params)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                value: T = entry.value
                return value
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                entry = self._entries.get(key)
            if entry is not None:  # loaded by another thread while this one waited
                loaded: T = entry.value
                return loaded
            fresh = load()
            with self._lock:
                self._entries[key] = _Entry(fresh, close)
                self._loads[key] = self._loads.get(key, 0) + 1
            return fresh

    def peek(self, kind: str, params: Hashable) -> Any | None:
        """The loaded engine for the key, or None (never loads)."""
        with self._lock:
            entry = self._entries.get((kind, params))
        return entry.value if entry is not None else None

    def loads(self) -> dict[EngineKey, int]:
        """How many times each key has been loaded in this process (kept across `close_all`)."""
        with self._lock:
            return dict(self._loads)

    def loaded(self) -> list[EngineKey]:
        """Keys loaded now, in load order."""
        with self._lock:
            return list(self._entries)

    def close_all(self) -> None:
        """Release every engine, the last loaded first; later asks load again.

        A close that fails is logged and the others still run (it runs at process exit).
        """
        with self._lock:
            entries = list(self._entries.items())
            self._entries.clear()
        for key, entry in reversed(entries):
            if entry.close is None:
                continue
            try:
                entry.close(entry.value)
            except Exception as exc:  # one engine's failure must not keep the others loaded
                log.warning("closing engine %s failed: %r", key, exc)


ENGINES = EngineRegistry()
"""The process's engines: every node that loads a model asks here."""

atexit.register(ENGINES.close_all)
