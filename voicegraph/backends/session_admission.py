"""SessionAdmission: who gets a session slot, and who may do what in a running session."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from voicegraph.backends.hooks import Principal
from voicegraph.backends.live_session import Admission
from voicegraph.backends.session import SessionState, new_session_id
from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from voicegraph.backends.hooks import ConnectRequest, Hooks
    from voicegraph.backends.live_session import LiveSession, SessionEvents
    from voicegraph.backends.session import Session
    from voicegraph.backends.stores.base import SessionStore


class SessionAdmission:
    """Capacity slots, the connect-time checks, and the per-operation checks of a session manager.

    `admit(request)` refuses at once with session_limit_exceeded when `max_sessions` are
    running (`live`) or being admitted (the slot is reserved synchronously, so a burst of
    connections can never overshoot), or when `accepting()` is false; then applies the
    rate limiter (`connect:<remote>`), the auth hook (authentication_failed /
    authorization_failed), the telephony router, and finds the session to resume (by id
    or resume token; session_not_found otherwise). The admission waits in `pending` until
    `take` hands it to the runner or `release` gives its slot back. `check_operation`
    authorizes and rate-limits one client operation of a running session. Every decision
    is reported to `events.request`. Latency: the hooks' own; nothing else awaits.

    Args:
        hooks: auth, rate limiting, telephony routing.
        store: where resumable records are found.
        events: the manager's listeners.
        live: the running sessions (read only; the lifecycle owns it).
        orphaned: whether an active record's process is gone (the ownership part).
        accepting: whether the manager still admits (false once shutting down).
        max_sessions: running plus admitted sessions allowed.
    """

    def __init__(
        self,
        *,
        hooks: Hooks,
        store: SessionStore,
        events: SessionEvents,
        live: Mapping[str, LiveSession],
        orphaned: Callable[[Session], bool],
        accepting: Callable[[], bool],
        max_sessions: int,
    ) -> None:
        if max_sessions < 1:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "max_sessions must be at least 1")
        self.hooks, self.store, self.events = hooks, store, events
        self.max_sessions = max_sessions
        self.pending: dict[str, Admission] = {}
        """Admissions reserved and not yet run, by session id."""
        self.reserved = 0
        """Slots held by admissions not yet running."""
        self._live, self._orphaned, self._accepting = live, orphaned, accepting

    def _reserve(self) -> None:
        if not self._accepting():
            raise VoiceError(ErrorCode.SESSION_LIMIT_EXCEEDED, "server is shutting down", retriable=True)
        if len(self._live) + self.reserved >= self.max_sessions:
            raise VoiceError(
                ErrorCode.SESSION_LIMIT_EXCEEDED,
                f"at capacity ({self.max_sessions} sessions)",
                retriable=True,
            )
        self.reserved += 1

    async def admit(self, request: ConnectRequest, *, session_id: str | None = None) -> Admission:
        """Decide whether a client gets a session; returns its admission (reserving a slot).

        Raises:
            VoiceError: session_limit_exceeded, rate_limit_exceeded, authentication_failed,
                authorization_failed or session_not_found.
        """
        t0 = time.perf_counter()
        op = "session.resume" if request.resume else "session.create"
        try:  # who asks comes first: a client refused by auth never learns the server is full
            principal = await self._identify(request, op)
            self._reserve()
        except VoiceError as err:
            self.events.request(op, t0, err)
            raise
        try:
            adm = await self._admit(request, principal, session_id)
        except VoiceError as err:
            self.reserved -= 1
            self.events.request(op, t0, err)
            raise
        except BaseException:
            self.reserved -= 1
            raise
        adm.t0 = t0
        self.pending[adm.session_id] = adm
        return adm

    async def _identify(self, request: ConnectRequest, op: str) -> Principal:
        """The client's principal: its host's connect rate first, then the auth hook."""
        limiter = self.hooks.rate_limiter
        if limiter is not None:
            await limiter.acquire(f"connect:{request.client}")
        if self.hooks.auth is None:
            return Principal()
        principal = await self.hooks.auth.authenticate(request)
        await self.hooks.auth.authorize(principal, op)
        return principal

    async def _admit(
        self, request: ConnectRequest, principal: Principal, session_id: str | None
    ) -> Admission:
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
        if key in self._live:
            raise VoiceError(ErrorCode.SESSION_NOT_FOUND, "that session is running on another connection")
        found = await self.store.load(key) or await self.store.find_by_token(key)
        if found is None or found.state is not SessionState.ACTIVE or found.id in self._live:
            raise VoiceError(ErrorCode.SESSION_NOT_FOUND, "no session to resume")
        if found.id in self.pending:
            raise VoiceError(ErrorCode.SESSION_NOT_FOUND, "that session is being resumed by another client")
        if not self._orphaned(found):
            raise VoiceError(ErrorCode.SESSION_NOT_FOUND, "that session is running in another process")
        if self.hooks.auth is not None and found.principal and found.principal != principal.id:
            raise VoiceError(ErrorCode.AUTHORIZATION_FAILED, "that session belongs to another client")
        return found

    def release(self, adm: Admission) -> None:
        """Give back the slot of an admission that will not run (idempotent)."""
        if not adm.used:
            adm.used = True
            self.reserved -= 1
            self.pending.pop(adm.session_id, None)

    def take(self, adm: Admission) -> None:
        """Hand an admission to the runner: its slot becomes a running session's.

        Raises:
            VoiceError: (session_not_found) the admission was already used.
        """
        if adm.used:
            raise VoiceError(ErrorCode.SESSION_NOT_FOUND, "admission already used")
        adm.used = True
        self.reserved -= 1

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
            self.events.request(operation, t0, err)
            raise
        self.events.request(operation, t0, None)
