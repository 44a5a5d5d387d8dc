"""SessionLifecycle: the session manager's part that runs sessions — run, persist, recover, shut down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

from voicegraph.backends.conversation_log import ConversationLog
from voicegraph.backends.live_session import LiveSession
from voicegraph.backends.processor_slots import node_role
from voicegraph.backends.session import Session, SessionState
from voicegraph.backends.session_guard import insert_guards
from voicegraph.backends.session_node_state import restore_node_states
from voicegraph.backends.session_probes import attach_probes
from voicegraph.backends.session_record import SessionRecord
from voicegraph.backends.turn_tracker import Turn, TurnTracker
from voicegraph.framework.bus import ErrorEvent
from voicegraph.framework.errors import VoiceError
from voicegraph.framework.runtime import Runtime
from voicegraph.transports.session_end import end_with_connection

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from voicegraph.backends.hooks import Hooks
    from voicegraph.backends.live_session import Admission, SessionEvents
    from voicegraph.backends.session_owner import SessionOwner
    from voicegraph.backends.stores.base import SessionStore
    from voicegraph.framework.clock import Clock
    from voicegraph.framework.frames.base import Frame
    from voicegraph.framework.graph import Graph
    from voicegraph.transports.session_connection import SessionConnection

log = logging.getLogger("voicegraph.sessions")


class SessionLifecycle:
    """Runs admitted sessions and keeps their records: saved when a session starts, as a turn
    goes (the user's final words, a reply starting, each word played: `SessionRecord`), at
    each turn end and metadata change, and at shutdown (kept active, so a restarted backend
    can resume them); completed records are deleted unless the retention hook keeps them.

    A part of `SessionManager` (beside `SessionAdmission` and `SessionOwner`); owns the
    running sessions (`live`) and recovered records (`recovered`). Latency: a store save
    per session start and turn end, off the audio path (in a task of the runtime).

    Args:
        factory, store, hooks, operations, resume_window_s, runtime_options: see `SessionManager`.
        owner: this process's owner stamp and lease (which records are orphans).
        events: the manager's listeners.
        check_operation: the admission's per-operation check, called by the guard.
        clock_factory: graph clock factory (None: monotonic).
    """

    def __init__(
        self,
        factory: Callable[[Any], Graph],
        *,
        store: SessionStore,
        hooks: Hooks,
        owner: SessionOwner,
        events: SessionEvents,
        check_operation: Callable[[LiveSession, str], Awaitable[None]],
        operations: dict[type[Frame], str],
        clock_factory: Callable[[], Clock] | None,
        resume_window_s: float,
        runtime_options: dict[str, Any],
    ) -> None:
        self.factory, self.store, self.hooks = factory, store, hooks
        self.events, self.operations, self.clock_factory = events, operations, clock_factory
        self.resume_window_s = resume_window_s
        self.runtime_options = runtime_options
        self.live: dict[str, LiveSession] = {}
        self.recovered: dict[str, Session] = {}
        """Active sessions found in the store at start whose process died: resumable."""
        self.records: dict[str, SessionRecord] = {}
        """The saving side of each running session, by id."""
        self.accepting = True
        self._owner = owner
        self._check = check_operation
        self._empty = asyncio.Event()
        self._empty.set()
        self._heartbeat: asyncio.Task[None] | None = None
        self.engines_ready = asyncio.Event()
        """Cleared while the server preloads its engines: sessions admitted meanwhile wait
        (their transport keeps their audio) and start once it is set."""
        self.engines_ready.set()

    # -- open / recover -------------------------------------------------------------------
    async def open(self) -> None:
        """Open the store and recover the active sessions of processes that died."""
        await self.store.open()
        self._owner.open()
        await self.store.purge_expired()
        await self._scan_orphans()
        if self.store.name != "memory":
            self._heartbeat = asyncio.get_running_loop().create_task(self._beat(), name="sessions:heartbeat")

    async def _scan_orphans(self) -> None:
        now = time.time()
        for s in await self.store.list(SessionState.ACTIVE):
            if s.id in self.live or not self.orphaned(s):
                continue
            if now - s.updated_at > self.resume_window_s:
                self.recovered.pop(s.id, None)
                await self._complete(s)
            else:
                self.recovered[s.id] = s

    def orphaned(self, s: Session) -> bool:
        """Whether an active record's process is gone (so this process may resume it)."""
        return self._owner.orphaned(s, s.id in self.live)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self._owner.lease_s / 3)
            with contextlib.suppress(VoiceError):
                for record in list(self.records.values()):
                    await record.save()  # not once its session is being filed
                await self._scan_orphans()

    async def aclose(self) -> None:
        """Stop the heartbeat and close the store (call after `shutdown`)."""
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
            self._heartbeat = None
        self._owner.close()
        await self.store.close()

    # -- one session ----------------------------------------------------------------------
    async def run_admitted(self, conn: SessionConnection, adm: Admission) -> None:
        """Build the session's graph, run it until the connection finishes, then file the record.

        Raises:
            VoiceError: the graph could not be built or started.
        """
        op = "session.resume" if adm.resumed else "session.create"
        if not self.engines_ready.is_set():
            log.info("session %s: waiting for the engines to load", adm.session_id)
            await self.engines_ready.wait()
        try:
            live = self._create(conn, adm)
        except VoiceError as err:
            log.warning("session %s: [%s] %s", adm.session_id, err.code, err.message)
            self.events.request(op, adm.t0, err)
            raise
        self.live[live.id] = live
        self._empty.clear()
        self.recovered.pop(live.id, None)
        try:
            await self.store.save(self.snapshot(live))
            self.events.notify("session_started", live)
            try:
                await live.runtime.start()
            except VoiceError as err:
                log.warning("session %s: [%s] %s", live.id, err.code, err.message)
                raise
            if adm.resumed is not None:
                live.restore_contexts(adm.resumed)
            self.records[live.id].loaded()
            self.events.request(op, adm.t0, None)
            await end_with_connection(live.runtime, live.conn)
        finally:
            await self._finish(live)

    def _create(self, conn: SessionConnection, adm: Admission) -> LiveSession:
        graph = self.factory(conn)
        if self.hooks.auth or self.hooks.rate_limiter or self.hooks.telephony:  # else nothing to check
            self._insert_guard(graph, lambda: live)
        s = adm.resumed.copy() if adm.resumed is not None else Session(id=adm.session_id)
        s.principal = s.principal or adm.principal.id
        s.metadata.update(adm.metadata)
        s.state, s.owner = SessionState.ACTIVE, self._owner.id
        s.resume_token = str(getattr(conn, "resume_token", "") or s.resume_token)
        expect_audio = any(node_role(p) in ("tts", "s2s") for p in graph.processors.values())
        tracker = TurnTracker(
            expect_audio=expect_audio,
            on_start=lambda t: self.events.notify("turn_started", live, t),
            on_end=lambda t: self._turn_ended(live, t),
        )
        options = dict(self.runtime_options)
        metadata = {
            **options.pop("metadata", {}), "session_id": s.id, "session": dict(s.metadata),
            "resumed": adm.resumed is not None, "conversation": dict(s.conversation),
        }  # fmt: skip
        clock = self.clock_factory() if self.clock_factory is not None else None
        rt = Runtime(graph, clock=clock, metadata=metadata, **options)
        live = LiveSession(s, conn, rt, tracker, ConversationLog(), adm.principal)
        rt.bus.subscribe(lambda e: s.note_error(e.error, e.node, fatal=e.fatal), ErrorEvent)
        record = self.records[live.id] = SessionRecord(live, self.store, adm.resumed)
        if adm.resumed is not None:
            live.restore(adm.resumed)
            restore_node_states(graph, adm.resumed.nodes)
        attach_probes(live, record)
        return live

    def _insert_guard(self, graph: Graph, live: Callable[[], LiveSession]) -> None:
        async def check(operation: str, frame: Frame) -> None:
            current = live()
            await self._check(current, operation)
            digit = getattr(frame, "digit", None)
            if operation == "message.dtmf" and self.hooks.telephony is not None and isinstance(digit, str):
                current.runtime.spawn(self.hooks.telephony.on_dtmf(current.id, digit), name="dtmf-hook")

        insert_guards(graph, check, self.operations)

    def _turn_ended(self, live: LiveSession, turn: Turn) -> None:
        self.events.notify("turn_ended", live, turn)
        record = self.records.get(live.id)
        if record is not None:
            record.turn_ended()

    def snapshot(self, live: LiveSession) -> Session:
        """A running session's record as saved now (the turn in flight and node state included)."""
        record = self.records.get(live.id)
        return record.snapshot() if record is not None else live.snapshot()

    async def _finish(self, live: LiveSession) -> None:
        kept = self.snapshot(live) if live.keep_active else None  # where it was, a turn in flight included
        live.tracker.end(live.runtime.clock.now_ns(), "ended")
        live.turn_idle.set()  # its turn ended with it: a shutdown waiting on that turn goes on
        self.live.pop(live.id, None)
        if not self.live:
            self._empty.set()
        self.events.notify("session_ended", live)
        if self.hooks.rate_limiter is not None:
            self.hooks.rate_limiter.forget(f"op:{live.id}")
        record = kept or self.snapshot(live)
        saving = self.records.pop(live.id, None)
        try:
            if saving is not None:
                await saving.close()  # saves under way land before the final record
            if kept is not None:
                await self.store.save(record)
            else:
                await self._complete(record)
        except VoiceError as err:
            log.warning("session %s: could not file the record: %s", live.id, err)
        finally:
            live.ended.set()

    async def _complete(self, record: Session) -> None:
        record.state = SessionState.COMPLETED
        record.touch()
        keep = self.hooks.retention.keep_seconds(record)
        if keep:
            record.expires_at = time.time() + keep
            await self.store.save(record)
        else:
            await self.store.delete(record.id)

    # -- shutdown -------------------------------------------------------------------------
    async def shutdown(self, timeout: float = 10.0, *, stop_timeout: float = 5.0) -> None:
        """Stop admitting, let in-flight turns finish (up to `timeout`), persist every running
        session as active (resumable after a restart), then cancel them."""
        self.accepting = False
        busy = [live.turn_idle.wait() for live in self.live.values() if live.tracker.in_flight]
        if busy:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await asyncio.gather(*busy)
        await self.abort(stop_timeout)

    async def abort(self, stop_timeout: float = 5.0) -> None:
        """Persist every running session as active and cancel it now (no turn waits)."""
        self.accepting = False
        for live in list(self.live.values()):
            live.keep_active = True
            with contextlib.suppress(VoiceError):
                await self.store.save(self.snapshot(live))
            live.conn.finish(lost=True)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(stop_timeout):
                await self._empty.wait()

    async def wait_ended(self, session_id: str | None = None) -> None:
        """Wait until session `session_id` (default: every session) has ended and been filed."""
        if session_id is None:
            await self._empty.wait()
            return
        live = self.live.get(session_id)
        if live is not None:
            await live.ended.wait()

    @property
    def in_flight_turns(self) -> int:
        """Running sessions with a turn in flight."""
        return sum(live.tracker.in_flight for live in self.live.values())

    def stats(self) -> dict[str, int]:
        """Counts for health checks."""
        return {
            "active": len(self.live),
            "recovered": len(self.recovered),
            "turns_in_flight": self.in_flight_turns,
        }
