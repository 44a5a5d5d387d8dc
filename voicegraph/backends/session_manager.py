"""SessionManager: admits clients, runs one graph per session, persists and recovers sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from voicegraph.backends.hooks import ConnectRequest, Hooks
from voicegraph.backends.live_session import SessionEvents
from voicegraph.backends.session_admission import SessionAdmission
from voicegraph.backends.session_lifecycle import SessionLifecycle
from voicegraph.backends.session_owner import SessionOwner
from voicegraph.backends.stores.memory_store import MemorySessionStore
from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable

    from voicegraph.backends.hooks import Principal
    from voicegraph.backends.live_session import Admission, LiveSession, SessionListener
    from voicegraph.backends.session import Session, SessionState
    from voicegraph.backends.stores.base import SessionStore
    from voicegraph.framework.clock import Clock
    from voicegraph.framework.frames.base import Frame
    from voicegraph.framework.graph import Graph
    from voicegraph.transports.session_connection import SessionConnection


class SessionManager:
    """Turns connections into sessions: capacity, auth, rate limits, one graph each, persistence.

    Made of three parts it holds, not inherits: `admission` (`SessionAdmission`: capacity
    slots, the connect-time hooks, per-operation checks), `lifecycle`
    (`SessionLifecycle`: runs sessions, persists, recovers, shuts down) and `ownership`
    (`SessionOwner`: the owner stamp and lease that say which records are orphans). The
    methods below are the public surface providers and apps use.

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
        listeners: session-layer event listeners (observability, the serve log).
        runtime_options: more `Runtime` keyword arguments.

    Raises:
        VoiceError: (invalid_config) `max_sessions` below 1.
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
        store = store or MemorySessionStore()
        hooks = hooks or Hooks()
        self.events = SessionEvents(listeners)
        self.ownership = SessionOwner()
        self.lifecycle = SessionLifecycle(
            graph_factory, store=store, hooks=hooks, owner=self.ownership, events=self.events,
            check_operation=self.check_operation, operations=dict(operations or {}),
            clock_factory=clock, resume_window_s=resume_window_s, runtime_options=runtime_options,
        )  # fmt: skip
        self.admission = SessionAdmission(
            hooks=hooks, store=store, events=self.events, live=self.lifecycle.live,
            orphaned=self.lifecycle.orphaned, accepting=lambda: self.lifecycle.accepting,
            max_sessions=max_sessions,
        )  # fmt: skip

    # -- the parts' state, as the public surface ------------------------------------------
    @property
    def store(self) -> SessionStore:
        """Session records (replace before `open`; both parts use the new one)."""
        return self.lifecycle.store

    @store.setter
    def store(self, store: SessionStore) -> None:
        self.lifecycle.store = self.admission.store = store

    @property
    def hooks(self) -> Hooks:
        """Auth, rate limiting, retention, telephony."""
        return self.lifecycle.hooks

    @property
    def factory(self) -> Callable[[Any], Graph]:
        """Builds one session's graph from its connection."""
        return self.lifecycle.factory

    @property
    def resume_window_s(self) -> float:
        """How long an orphaned active session stays resumable."""
        return self.lifecycle.resume_window_s

    @resume_window_s.setter
    def resume_window_s(self, seconds: float) -> None:
        self.lifecycle.resume_window_s = seconds

    @property
    def max_sessions(self) -> int:
        """Running plus admitted sessions allowed in this process."""
        return self.admission.max_sessions

    @property
    def listeners(self) -> list[SessionListener]:
        """Session-layer event listeners (append to add one)."""
        return self.events.listeners

    @property
    def live(self) -> dict[str, LiveSession]:
        """The running sessions, by id."""
        return self.lifecycle.live

    @property
    def recovered(self) -> dict[str, Session]:
        """Active sessions found in the store whose process died: resumable."""
        return self.lifecycle.recovered

    @property
    def accepting(self) -> bool:
        """False once shutting down: new admissions are refused."""
        return self.lifecycle.accepting

    @property
    def owner(self) -> str:
        """This manager's owner stamp (`host:pid:nonce`) on the records it runs."""
        return self.ownership.id

    @property
    def engines_ready(self) -> asyncio.Event:
        """Cleared while the server preloads engines: admitted sessions wait until it is set."""
        return self.lifecycle.engines_ready

    @property
    def in_flight_turns(self) -> int:
        """Running sessions with a turn in flight."""
        return self.lifecycle.in_flight_turns

    def orphaned(self, s: Session) -> bool:
        """Whether an active record's process is gone (so this process may resume it)."""
        return self.lifecycle.orphaned(s)

    def notify(self, event: str, *args: Any) -> None:
        """Call `event` on every listener; a failing listener is logged, never fatal."""
        self.events.notify(event, *args)

    # -- open, admit, run, shut down ------------------------------------------------------
    async def open(self) -> None:
        """Open the store and recover the active sessions of processes that died."""
        await self.lifecycle.open()

    async def aclose(self) -> None:
        """Stop the heartbeat and close the store (call after `shutdown`)."""
        await self.lifecycle.aclose()

    async def admit(self, request: ConnectRequest, *, session_id: str | None = None) -> Admission:
        """Decide whether a client gets a session; returns its admission (reserving a slot).

        Raises:
            VoiceError: session_limit_exceeded, rate_limit_exceeded, authentication_failed,
                authorization_failed or session_not_found.
        """
        return await self.admission.admit(request, session_id=session_id)

    def release(self, adm: Admission) -> None:
        """Give back the slot of an admission that will not run (idempotent)."""
        self.admission.release(adm)

    async def run(self, conn: SessionConnection) -> None:
        """The session runner a transport calls per connection: admit if not yet, run to the end.

        Raises:
            VoiceError: the admission's refusal, or the graph failed to build or start.
        """
        adm = self.admission.pending.pop(conn.session_id, None)
        if adm is None:
            adm = await self.admit(ConnectRequest(transport=type(conn).__name__), session_id=conn.session_id)
            self.admission.pending.pop(adm.session_id, None)
        self.admission.take(adm)
        conn.session_id = adm.session_id
        await self.lifecycle.run_admitted(conn, adm)

    async def shutdown(self, timeout: float = 10.0, *, stop_timeout: float = 5.0) -> None:
        """Stop admitting, let in-flight turns finish (up to `timeout`), persist every running
        session as active (resumable after a restart), then cancel them."""
        await self.lifecycle.shutdown(timeout, stop_timeout=stop_timeout)

    async def abort(self, stop_timeout: float = 5.0) -> None:
        """Persist every running session as active and cancel it now (no turn waits)."""
        await self.lifecycle.abort(stop_timeout)

    async def wait_ended(self, session_id: str | None = None) -> None:
        """Wait until session `session_id` (default: every session) has ended and been filed."""
        await self.lifecycle.wait_ended(session_id)

    # -- queries and operations -----------------------------------------------------------
    def stats(self) -> dict[str, int]:
        """Counts for health checks: running, being admitted, recovered, turns in flight."""
        return {**self.lifecycle.stats(), "admitting": self.admission.reserved}

    def list(self, state: SessionState | None = None) -> list[Session]:
        """Sessions this process knows: running ones and recovered (resumable) ones."""
        out = [self.lifecycle.snapshot(live) for live in self.live.values()]
        out += [s.copy() for s in self.recovered.values() if s.id not in self.live]
        return [s for s in out if state is None or s.state is state]

    def get(self, session_id: str) -> Session:
        """A copy of one session's record.

        Raises:
            VoiceError: (session_not_found) no such session here.
        """
        live = self.live.get(session_id)
        if live is not None:
            return self.lifecycle.snapshot(live)
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
        await self.store.save(self.lifecycle.snapshot(live))
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
        await self.store.save(self.lifecycle.snapshot(live))

    async def check_operation(
        self, live: LiveSession, operation: str, principal: Principal | None = None
    ) -> None:
        """Authorize and rate-limit one operation of a session.

        Raises:
            VoiceError: authorization_failed, rate_limit_exceeded.
        """
        await self.admission.check_operation(live, operation, principal)
