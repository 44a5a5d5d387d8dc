"""LiveSession: a running session — its record, connection, graph runtime and trackers."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from voicegraph.backends.conversation_log import WATCHED as LOG_WATCHED
from voicegraph.backends.conversation_log import ConversationLog, ConversationStateful
from voicegraph.backends.turn_tracker import WATCHED as TURN_WATCHED

if TYPE_CHECKING:
    from voicegraph.backends.hooks import ConnectRequest, Principal
    from voicegraph.backends.session import Session
    from voicegraph.backends.turn_tracker import Turn, TurnTracker
    from voicegraph.framework.errors import VoiceError
    from voicegraph.framework.frames.base import Frame
    from voicegraph.framework.node import Link
    from voicegraph.framework.runtime import Runtime
    from voicegraph.transports.session_connection import SessionConnection

_WATCHED = LOG_WATCHED | TURN_WATCHED
log = logging.getLogger("voicegraph.sessions")


@dataclass(slots=True)
class Admission:
    """A client let in by `SessionManager.admit`: its id, who it is, what it resumes."""

    session_id: str
    principal: Principal
    request: ConnectRequest
    resumed: Session | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    t0: float = field(default_factory=time.perf_counter)
    used: bool = False


class SessionListener:
    """Receives session-layer events (observability attaches here). Calls are synchronous
    and must be quick; the base class ignores everything."""

    def request(self, operation: str, seconds: float, error: str | None) -> None:
        """A client request (`session.create`, `message.text`...) was served or refused."""

    def session_started(self, live: LiveSession) -> None:
        """A session's graph is about to start (attach probes to `live.runtime` here)."""

    def session_ended(self, live: LiveSession) -> None:
        """A session's graph has stopped."""

    def turn_started(self, live: LiveSession, turn: Turn) -> None:
        """A turn began in `live`."""

    def turn_ended(self, live: LiveSession, turn: Turn) -> None:
        """A turn ended in `live`."""


class SessionEvents:
    """The listeners of one session manager, shared by its parts (admission, lifecycle).

    `notify(event, ...)` calls `event` on every listener in order; a failing listener is
    logged, never fatal. `request(op, t0, err)` reports a served or refused client request
    with its duration since `t0` (a `time.perf_counter()` reading)."""

    def __init__(self, listeners: list[SessionListener] | None = None) -> None:
        self.listeners: list[SessionListener] = list(listeners or [])

    def notify(self, event: str, *args: Any) -> None:
        """Call `event` on every listener; a failing listener is logged, never fatal."""
        for listener in self.listeners:
            try:
                getattr(listener, event)(*args)
            except Exception:
                log.exception("session listener %s failed in %s", type(listener).__name__, event)

    def request(self, op: str, t0: float, err: VoiceError | None) -> None:
        """Report client request `op`, started at `t0`, served (`err` None) or refused."""
        self.notify("request", op, time.perf_counter() - t0, str(err.code) if err else None)


class LiveSession:
    """One running session: the record (`session`), the transport's connection, the graph's
    runtime, its turn tracker and conversation log. Owned by the `SessionManager`."""

    def __init__(
        self,
        session: Session,
        conn: SessionConnection,
        runtime: Runtime,
        tracker: TurnTracker,
        log: ConversationLog,
        principal: Principal,
    ) -> None:
        self.session = session
        self.conn = conn
        self.runtime = runtime
        self.tracker = tracker
        self.log = log
        self.principal = principal
        self.stateful = [p for p in runtime.graph.processors.values() if isinstance(p, ConversationStateful)]
        self.keep_active = False
        """Set at shutdown: the record stays active so a restarted backend can resume it."""
        self.turn_idle = asyncio.Event()
        self.turn_idle.set()
        self.started = time.perf_counter()
        self.ended = asyncio.Event()
        """Set once the session's graph has stopped and its record is filed."""
        self._saving = False
        self._dirty = False

    @property
    def id(self) -> str:
        """The session id."""
        return self.session.id

    def observe(self, frame: Frame, _link: Link | None = None) -> None:
        """Probe for every link and sink: feeds the turn tracker and the conversation log.
        Audio and other unwatched frames cost one set lookup."""
        if type(frame) not in _WATCHED:
            return
        self.tracker.observe(frame, self.runtime.clock.now_ns())
        self.log.observe(frame)
        if self.tracker.in_flight:
            self.turn_idle.clear()
        else:
            self.turn_idle.set()

    def contexts(self) -> list[Any]:
        """The agent layer's conversation contexts held by nodes (a `context` with `history()`
        and `load()`, e.g. `ConversationContext`), each once; empty before they resolve."""
        found: dict[int, Any] = {}
        for proc in self.runtime.graph.processors.values():
            try:
                ctx = getattr(proc, "context", None)
            except Exception:  # a shared context resolves only once the graph started
                continue
            if callable(getattr(ctx, "history", None)) and callable(getattr(ctx, "load", None)):
                found.setdefault(id(ctx), ctx)
        return list(found.values())

    def snapshot(self) -> Session:
        """The record brought up to date: conversation state and position."""
        s = self.session
        contexts = self.contexts() if not self.stateful else []
        if self.stateful:
            state: dict[str, Any] = {}
            for node in self.stateful:
                state.update(node.export_conversation())
            s.conversation = state
        elif contexts:
            ctx = contexts[0]
            s.conversation = {
                "messages": text_only(ctx.history()),
                "summary": str(getattr(ctx, "summary", "")),
            }
        else:
            s.conversation = {"state": self.log.state()}
        s.position = self.tracker.position()
        s.touch()
        return s.copy()

    def restore(self, resumed: Session) -> None:
        """Give a new graph instance the conversation of the session it resumes."""
        conv = resumed.conversation
        for node in self.stateful:
            node.import_conversation(conv)
        transcript = conv.get("state", {}).get("transcript") if isinstance(conv.get("state"), dict) else None
        if isinstance(transcript, list):
            self.log.lines.extend(
                {"role": str(x.get("role", "")), "content": str(x.get("content", ""))}
                for x in transcript
                if isinstance(x, dict)
            )
        self.tracker.completed = int(resumed.position.get("turns", 0) or 0)

    def restore_contexts(self, resumed: Session) -> None:
        """After the graph started: load the resumed conversation into the agent contexts."""
        messages = resumed.conversation.get("messages")
        if self.stateful or not isinstance(messages, list):
            return
        summary = str(resumed.conversation.get("summary", ""))
        for ctx in self.contexts():
            ctx.load([m for m in messages if isinstance(m, dict)], summary)

    def want_save(self) -> bool:
        """Mark the record dirty; True when the caller should start a save (none running)."""
        self._dirty = True
        if self._saving:
            return False
        self._saving = True
        return True

    def next_save(self) -> bool:
        """After a save: True when another is needed (changes came meanwhile)."""
        if self._dirty:
            self._dirty = False
            return True
        self._saving = False
        return False


def text_only(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chat messages with content parts reduced to their text (audio parts are not persisted)."""
    out = []
    for m in messages:
        content = m.get("content")
        if isinstance(content, list):
            texts = [
                str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text"
            ]
            m = {**m, "content": " ".join(t for t in texts if t)}
        out.append(dict(m))
    return out
