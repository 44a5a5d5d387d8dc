"""SessionManager: admits clients, runs one graph per session, persists and recovers sessions."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from voicegraph.backends.hooks import ConnectRequest, Hooks, Principal
from voicegraph.backends.live_session import Admission, LiveSession, SessionListener
from voicegraph.backends.session import Session, SessionState, new_session_id
from voicegraph.backends.session_lifecycle import SessionLifecycle
from voicegraph.backends.stores.memory_store import MemorySessionStore
from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from collections.abc import Callable

    from voicegraph.backends.stores.base import SessionStore
    from voicegraph.framework.clock import Clock
    from voicegraph.framework.frames.base import Frame
    from voicegraph.framework.graph import Graph
    from voicegraph.transports.session_connection import SessionConnection

log = logging.getLogger("voicegraph.sessions")


class SessionManager(SessionLifecycle):
    """Turns connections into sessions: capacity, auth, rate limits, one graph each, persistence.

    `admit(request)` runs before a session exists: it refuses at once with
    session_limit_exceeded when `max_sessions` are running or being admitted (the slot is
    reserved synchronously, so a burst of connections can never overshoot), then applies
    the rate limiter (`connect:<remote>`), the auth hook (authentication_failed /
    authorization_failed), the telephony router, and finds the session to resume (by id
    or resume token; session_not_found otherwise). `run(conn)` runs the admitted session
    to its end (see `SessionLifecycle`). Sessions share nothing mutable: each has its own
    graph instance from `graph_factory`, its own runtime, tracker and log.

    Args:
        graph_factory: builds one session's graph from its connection.
        store: session records (default: in memory only).
        hooks: auth, rate limiting, retention, telephony.
        max_sessions: running sessions allowed in this process.
        operations: extra client frame types to guard (type -> operation name).
        clock: graph clock factory (default: monotonic).
        resume_window_s: how long an orphaned active session stays resumable.
        runtime_options: more `Runtime` keyword arguments.
    """

    def __init__(
        self,
        graph_factory: Callable[[Any], Graph],
        *,
        store: SessionStore | None = None,
        hooks: Hooks | None = None,
        max_sessions: int = 100,
        operations: dict[type[Frame], str] | None = None,
        clock: Callable[[], Clock] | None = None,
        resume_window_s: float = 300.0,
        listeners: list[SessionListener] | None = None,
        **runtime_options: Any,
    ) -> None:
        super().__init__()
        if max_sessions < 1:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "max_sessions must be at least 1")
        self.factory = graph_factory
        self.store = store or MemorySessionStore()
        self.hooks = hooks or Hooks()
        self.max_sessions = max_sessions
        self.operations = dict(operations or {})
        self.clock_factory = clock
        self.resume_window_s = resume_window_s
        self.listeners: list[SessionListener] = list(listeners or [])
        self.runtime_options = runtime_options
        self._reserved = 0
        self._pending: dict[str, Admission] = {}
        self.recovered: dict[str, Session] = {}
        """Active sessions found in the store at start whose process died: resumable."""

    # -- admission ------------------------------------------------------------------------
    def _reserve(self) -> None:
        if not self.accepting:
            raise VoiceError(ErrorCode.SESSION_LIMIT_EXCEEDED, "server is shutting down", retriable=True)
        if len(self.live) + self._reserved >= self.max_sessions:
            raise VoiceError(
                ErrorCode.SESSION_LIMIT_EXCEEDED,
                f"at capacity ({self.max_sessions} sessions)",
                retriable=True,
            )
        self._reserved += 1

    async def admit(self, request: ConnectRequest, *, session_id: str | None = None) -> Admission:
        """Decide whether a client gets a session; returns its admission (reserving a slot).

        Raises:
            VoiceError: session_limit_exceeded, rate_limit_exceeded, authentication_failed,
                authorization_failed or session_not_found.
        """
        t0 = time.perf_counter()
        op = "session.resume" if request.resume else "session.create"
        try:
            self._reserve()
        except VoiceError as err:
            self._request(op, t0, err)
            raise
        try:
            adm = await self._admit(request, session_id, op)
        except VoiceError as err:
            self._reserved -= 1
            self._request(op, t0, err)
            raise
        except BaseException:
            self._reserved -= 1
            raise
        adm.t0 = t0
        self._pending[adm.session_id] = adm
        return adm

    async def _admit(self, request: ConnectRequest, session_id: str | None, op: str) -> Admission:
        limiter = self.hooks.rate_limiter
        if limiter is not None:
            limiter.check(f"connect:{request.remote or request.transport}")
        principal = Principal()
        if self.hooks.auth is not None:
            principal = await self.hooks.auth.authenticate(request)
            await self.hooks.auth.authorize(principal, op)
        metadata: dict[str, Any] = {}
        if self.hooks.telephony is not None:
            route = await self.hooks.telephony.route(request)
            if not route.accept:
                raise VoiceError(ErrorCode.AUTHORIZATION_FAILED, route.reason or "call refused by routing")
            metadata.update(route.metadata)
        resumed = await self._find_resumable(request.resume, principal) if request.resume else None
        sid = resumed.id if resumed is not None else (session_id or new_session_id())
        return Admission(sid, principal, request, resumed=resumed, metadata=metadata)

    async def _find_resumable(self, key: str, principal: Principal) -> Session:
        if key in self.live:
            raise VoiceError(ErrorCode.SESSION_NOT_FOUND, "that session is running on another connection")
        found = await self.store.load(key) or await self.store.find_by_token(key)
        if found is None or found.state is not SessionState.ACTIVE or found.id in self.live:
            raise VoiceError(ErrorCode.SESSION_NOT_FOUND, "no session to resume")
        if found.id in self._pending:
            raise VoiceError(ErrorCode.SESSION_NOT_FOUND, "that session is being resumed by another client")
        if not self.orphaned(found):
            raise VoiceError(ErrorCode.SESSION_NOT_FOUND, "that session is running in another process")
        if self.hooks.auth is not None and found.principal and found.principal != principal.id:
            raise VoiceError(ErrorCode.AUTHORIZATION_FAILED, "that session belongs to another client")
        return found

    def release(self, adm: Admission) -> None:
        """Give back the slot of an admission that will not run (idempotent)."""
        if not adm.used:
            adm.used = True
            self._reserved -= 1
            self._pending.pop(adm.session_id, None)

    def _request(self, op: str, t0: float, err: VoiceError | None) -> None:
        self.notify("request", op, time.perf_counter() - t0, str(err.code) if err else None)

    # -- running --------------------------------------------------------------------------
    async def run(self, conn: SessionConnection) -> None:
        """The session runner a transport calls per connection: admit if not yet, run to the end.

        Raises:
            VoiceError: the admission's refusal, or the graph failed to build or start.
        """
        adm = self._pending.pop(conn.session_id, None)
        if adm is None:
            adm = await self.admit(ConnectRequest(transport=type(conn).__name__), session_id=conn.session_id)
            self._pending.pop(adm.session_id, None)
        if adm.used:
            raise VoiceError(ErrorCode.SESSION_NOT_FOUND, "admission already used")
        adm.used = True
        self._reserved -= 1
        conn.session_id = adm.session_id
        await self.run_admitted(conn, adm)

    # -- queries and operations -----------------------------------------------------------
    def stats(self) -> dict[str, int]:
        """Counts for health checks: running, being admitted, recovered, turns in flight."""
        return {**super().stats(), "admitting": self._reserved}

    def list(self, state: SessionState | None = None) -> list[Session]:
        """Sessions this process knows: running ones and recovered (resumable) ones."""
        out = [live.snapshot() for live in self.live.values()]
        out += [s.copy() for s in self.recovered.values() if s.id not in self.live]
        return [s for s in out if state is None or s.state is state]

    def get(self, session_id: str) -> Session:
        """A copy of one session's record.

        Raises:
            VoiceError: (session_not_found) no such session here.
        """
        live = self.live.get(session_id)
        if live is not None:
            return live.snapshot()
        if session_id in self.recovered:
            return self.recovered[session_id].copy()
        raise VoiceError(ErrorCode.SESSION_NOT_FOUND, "no such session")

    def _live(self, session_id: str) -> LiveSession:
        live = self.live.get(session_id)
        if live is None:
            raise VoiceError(ErrorCode.SESSION_NOT_FOUND, "no such running session")
        return live

    async def update_metadata(
        self, session_id: str, values: dict[str, Any], *, principal: Principal | None = None
    ) -> Session:
        """Merge `values` into a running session's metadata and persist it.

        Raises:
            VoiceError: session_not_found, authorization_failed, rate_limit_exceeded.
        """
        live = self._live(session_id)
        await self.check_operation(live, "session.update", principal)
        live.session.metadata.update(values)
        await self.store.save(live.snapshot())
        return live.session.copy()

    async def close(self, session_id: str, *, drain: bool = True, principal: Principal | None = None) -> None:
        """End a running session: drain the graph (default) or cancel it.

        Raises:
            VoiceError: session_not_found, authorization_failed.
        """
        live = self._live(session_id)
        await self.check_operation(live, "session.close", principal)
        live.conn.finish(lost=not drain)

    async def transfer(self, session_id: str, target: str) -> None:
        """Transfer a call (telephony hook) and record the result in the session's metadata.

        Raises:
            VoiceError: session_not_found; invalid_config without a telephony hook.
        """
        live = self._live(session_id)
        if self.hooks.telephony is None:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "no telephony hook configured")
        live.session.metadata.update(await self.hooks.telephony.transfer(session_id, target))
        await self.store.save(live.snapshot())

    async def check_operation(
        self, live: LiveSession, operation: str, principal: Principal | None = None
    ) -> None:
        """Authorize and rate-limit one operation of a session.

        Raises:
            VoiceError: authorization_failed, rate_limit_exceeded.
        """
        t0 = time.perf_counter()
        try:
            if self.hooks.auth is not None:
                await self.hooks.auth.authorize(principal or live.principal, operation, live.id)
            if self.hooks.rate_limiter is not None:
                self.hooks.rate_limiter.check(f"op:{live.id}")
        except VoiceError as err:
            self._request(operation, t0, err)
            raise
        self._request(operation, t0, None)
