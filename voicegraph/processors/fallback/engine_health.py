"""EngineHealth: the state of one engine of a fallback chain, and the board of live chains."""

from __future__ import annotations

import enum
import threading
import weakref
from dataclasses import dataclass
from typing import Any

from voicegraph.framework.errors import ErrorCode, VoiceError

FAILOVER_CODES = frozenset(
    {
        ErrorCode.CONNECTION_FAILED,
        ErrorCode.CONNECTION_TIMEOUT,
        ErrorCode.TIMEOUT,
        ErrorCode.RATE_LIMIT_EXCEEDED,
        ErrorCode.PROTOCOL_ERROR,
        ErrorCode.ENGINE_UNAVAILABLE,
    }
)
"""Codes that make a chain leave an engine (with any error flagged `retriable`, which is
how the cloud nodes mark 5xx answers). Others (bad input, bad config, 4xx) are the
caller's fault: another engine would fail the same way, so they are reported, not failed
over."""


def is_failover(err: BaseException) -> bool:
    """Whether `err` from an engine should move its chain to the next engine."""
    if isinstance(err, VoiceError):
        return err.retriable or err.code in FAILOVER_CODES
    return isinstance(err, OSError | TimeoutError | ConnectionError)


class EngineState(enum.StrEnum):
    """Where an engine of a chain stands."""

    HEALTHY = "healthy"
    FAILED = "failed"
    """Left after an error; waiting for its next probe."""
    PROBING = "probing"
    """A background probe is running."""


@dataclass(slots=True)
class EngineHealth:
    """One engine's health as a chain sees it (mutable; the chain owns it)."""

    name: str
    """The child's node name (`<chain>.<index>:<type>`)."""
    kind: str
    """The engine's processor class name."""
    state: EngineState = EngineState.HEALTHY
    last_error: str = ""
    """Code of the last error that made the chain leave it ('' if none yet)."""
    failures: int = 0
    """Times the chain left it."""
    recoveries: int = 0
    """Times a probe found it healthy again."""
    probes: int = 0
    """Probes run so far."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view (for the bus and `/health`)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "state": str(self.state),
            "last_error": self.last_error,
            "failures": self.failures,
            "recoveries": self.recoveries,
            "probes": self.probes,
        }


class ChainBoard:
    """Every live fallback chain of the process, by name, for a health check to read.

    Chains add themselves at start and drop out at stop (or when collected).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._chains: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()
        self._count = 0

    def add(self, chain: Any) -> str:
        """Register `chain` (anything with `snapshot() -> dict`); returns its board key."""
        with self._lock:
            self._count += 1
            key = f"{chain.name}#{self._count}"
            self._chains[key] = chain
            return key

    def remove(self, key: str) -> None:
        """Forget the chain registered as `key`."""
        with self._lock:
            self._chains.pop(key, None)

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """`{key: chain.snapshot()}` for every live chain."""
        with self._lock:
            items = list(self._chains.items())
        return {key: chain.snapshot() for key, chain in items}


board = ChainBoard()
"""The process-wide board that `/health` reads (`backends.engine_chain_health`)."""
