"""Backend: a transport plus a graph factory plus hooks; each connection becomes a session."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from voicegraph.backends.graph_factory import graph_factory
from voicegraph.backends.health_server import loop_lag_ms
from voicegraph.backends.session_manager import SessionManager
from voicegraph.framework.errors import VoiceError
from voicegraph.transports.health_report import ComponentHealth, HealthReport, HealthStatus

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from types import TracebackType

    from voicegraph.backends.hooks import Hooks
    from voicegraph.backends.live_session import SessionListener
    from voicegraph.backends.stores.base import SessionStore
    from voicegraph.framework.frames.base import Frame
    from voicegraph.framework.graph import Graph
    from voicegraph.framework.spec import GraphSpec


@dataclass(frozen=True, slots=True)
class BackendCapabilities:
    """What a backend provider can do (listed by `voicegraph providers` and `doctor`)."""

    speech_to_speech: bool = True
    """Carries audio both ways, so speech-to-speech graphs run on it."""
    multi_user: bool = True
    """Serves many sessions at once."""
    persistence: bool = True
    """Sessions survive a restart (with a persistent store) and can be resumed."""
    custom_auth: bool = True
    """The auth hook sees the client's credentials (headers, parameters)."""
    custom_rate_limiting: bool = True
    """The rate limiter applies per client and per session."""
    max_sessions: int | None = None
    """Hard limit of the medium per process (None: set by configuration)."""
    min_latency_ms: float = 0.0
    """Latency the medium adds at least (network framing, jitter buffers)."""
    codecs: tuple[str, ...] = ("pcm_s16le",)
    """Audio encodings on the wire."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (codecs as a list)."""
        return {**asdict(self), "codecs": list(self.codecs)}


class ServerTransport(Protocol):
    """A transport that accepts clients and hands each connection to the session manager."""

    async def start(self) -> None:
        """Start accepting."""

    async def stop(self) -> None:
        """Stop accepting and close every connection."""

    def describe(self) -> dict[str, Any]:
        """Where it listens (for logs and health)."""


TransportT = TypeVar("TransportT", bound=ServerTransport)
TransportT_co = TypeVar("TransportT_co", bound=ServerTransport, covariant=True)


class BackendProvider(Protocol[TransportT_co]):
    """What the `voicegraph.backends` registry holds: a named transport kind."""

    @property
    def capabilities(self) -> BackendCapabilities:
        """What it can do."""

    @property
    def operations(self) -> dict[type[Frame], str]:
        """Client frame types its transport produces that the session guard checks."""

    def create(self, manager: SessionManager, options: dict[str, Any]) -> TransportT_co:
        """A transport serving `manager`'s sessions, configured by `options`."""


class Backend(Generic[TransportT]):
    """Serves a graph over a transport: one session (own graph, own runtime) per connection.

    Handles connections from `provider`'s transport; the `SessionManager` admits them
    (capacity, auth, rate limits), runs them and persists them. Emits session-layer
    events to `listeners` (observability). `start` opens the store (recovering the
    sessions of a crashed process), then listens; `stop` stops admitting, lets in-flight
    turns finish up to `timeout`, persists and cancels the rest, then closes the
    transport and the store. Switching transport is configuration only: the same graph
    factory or spec works with every provider.

    Args:
        provider: the transport kind (from the `voicegraph.backends` registry).
        graph: a per-session factory `(conn) -> Graph`, or a `GraphSpec` (dict, YAML, path).
        options: the provider's options (host, port, serializer settings...).
        hooks, store, max_sessions, listeners, runtime_options: see `SessionManager`.
    """

    def __init__(
        self,
        provider: BackendProvider[TransportT],
        graph: Callable[[Any], Graph] | GraphSpec | str | Path | dict[str, Any],
        *,
        options: dict[str, Any] | None = None,
        hooks: Hooks | None = None,
        store: SessionStore | None = None,
        max_sessions: int = 100,
        listeners: list[SessionListener] | None = None,
        name: str = "backend",
        **runtime_options: Any,
    ) -> None:
        self.name = name
        self.provider = provider
        self.capabilities = provider.capabilities
        limit = provider.capabilities.max_sessions
        self.manager = SessionManager(
            graph_factory(graph), store=store, hooks=hooks, listeners=listeners,
            max_sessions=min(max_sessions, limit) if limit else max_sessions,
            operations=provider.operations, **runtime_options,
        )  # fmt: skip
        self.transport: TransportT = provider.create(self.manager, dict(options or {}))
        self.started_at: float | None = None
        self.ready_s: float | None = None
        """Seconds from `start` to accepting connections."""
        self._stopping = False
        self.health_checks: list[Callable[[], ComponentHealth]] = []
        """More components of `health` (`voicegraph serve` adds its engines and load)."""

    async def start(self) -> None:
        """Open the store (recover), then accept connections.

        Raises:
            VoiceError: (connection_failed) the store or the listening socket failed.
        """
        t0 = time.perf_counter()
        await self.manager.open()
        try:
            await self.transport.start()
        except BaseException:
            await self.manager.aclose()
            raise
        self.started_at = time.time()
        self.ready_s = time.perf_counter() - t0

    async def stop(self, timeout: float = 10.0) -> None:
        """Graceful stop: no new sessions, in-flight turns finish (up to `timeout`), then
        every running session is persisted as active (resumable) and cancelled."""
        if self._stopping:
            return
        self._stopping = True
        try:
            await self.manager.shutdown(timeout)
        finally:
            await self.transport.stop()
            await self.manager.aclose()

    async def abort(self) -> None:
        """Forced stop: persist and cancel every session now."""
        self._stopping = True
        await self.manager.abort(stop_timeout=1.0)
        await self.transport.stop()
        await self.manager.aclose()

    async def health(self) -> HealthReport:
        """Health of the transport, the sessions, the store and the event loop."""
        m = self.manager
        stats = m.stats()
        if self._stopping or not m.accepting:
            accept = ComponentHealth("transport", HealthStatus.UNHEALTHY, {"reason": "shutting down"})
        else:
            accept = ComponentHealth("transport", HealthStatus.HEALTHY, self.transport.describe())
        load = (stats["active"] + stats["admitting"]) / m.max_sessions
        status = HealthStatus.HEALTHY if load < 0.9 else HealthStatus.DEGRADED
        sessions = ComponentHealth(
            "sessions", status, {**stats, "max_sessions": m.max_sessions}, critical=False
        )
        try:
            await m.store.ping()
            store = ComponentHealth("store", HealthStatus.HEALTHY, {"kind": m.store.name}, critical=False)
        except VoiceError as err:
            store = ComponentHealth(
                "store",
                HealthStatus.UNHEALTHY,
                {"kind": m.store.name, "error": str(err.code)},
                critical=False,
            )
        lag = await loop_lag_ms()
        loop = ComponentHealth(
            "event_loop",
            HealthStatus.HEALTHY if lag < 100 else HealthStatus.DEGRADED,
            {"lag_ms": round(lag, 2)},
        )
        return HealthReport.of([accept, sessions, store, loop, *(c() for c in self.health_checks)])

    async def __aenter__(self) -> Backend[TransportT]:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
