"""SessionRecord: keeps one running session's stored record current as the turn goes, not only
at turn ends — the user's final words, each reply started, each word played."""

from __future__ import annotations

import asyncio
import copy
import logging
from typing import TYPE_CHECKING, Any

from voicegraph.backends.session_node_state import node_states
from voicegraph.backends.session_progress import WATCHED, TurnProgress
from voicegraph.framework.errors import VoiceError
from voicegraph.framework.frames.text import TranscriptFrame

if TYPE_CHECKING:
    from voicegraph.backends.live_session import LiveSession
    from voicegraph.backends.session import Session
    from voicegraph.backends.stores.base import SessionStore
    from voicegraph.framework.frames.base import Frame
    from voicegraph.framework.node import Link

log = logging.getLogger("voicegraph.sessions")


class SessionRecord:
    """The saving side of one running session (a part of `SessionLifecycle`).

    Watches the frames crossing the graph (a link probe; other frames cost one set lookup)
    and saves the record when the user's words become final, when a reply starts (nodes
    such as a scripted agent move on) and as each word of the reply plays, plus at each
    turn end. Saves are coalesced: one runs at a time, and changes made meanwhile are
    taken by one more save, so a burst of words costs at most two store writes. Each
    save runs in a task of the session's runtime, off the audio path; latency to the
    store is one write (SQLite commit in WAL mode, or one Redis transaction).

    `snapshot()` is the record as saved: `LiveSession.snapshot()` with the turn in
    flight written into the conversation (`TurnProgress.apply`) and the `NodeStateful`
    nodes' state in `nodes`.

    A resumed session's conversation is loaded into its graph's contexts only once the
    graph has started; until `loaded()` the saved conversation stays the resumed one (a
    save in between, e.g. the one claiming the record at start, must not blank it).

    Args:
        live: the running session.
        store: where its record is saved.
        resumed: the record the session resumes, if any.
    """

    def __init__(self, live: LiveSession, store: SessionStore, resumed: Session | None = None) -> None:
        self.live = live
        self.store = store
        self._resumed = resumed
        self.progress = TurnProgress(spoken=live.tracker.expect_audio)
        self._heads = frozenset(live.runtime.graph.heads())
        self.saves = 0
        """Store writes done by this record (mid-turn and turn-end saves)."""
        self.filed = False
        """The session ended and its final record is being filed: no save starts any more."""
        self._writes: set[asyncio.Task[None]] = set()

    def observe(self, frame: Frame, _where: object = None) -> None:
        """Probe for sinks and heads: save soon when the frame moved the turn on."""
        if type(frame) in WATCHED and self.progress.observe(frame):
            self.save_soon()

    def observe_link(self, frame: Frame, link: Link) -> None:
        """Probe for links. A transcript counts once a node let it through (not on the link
        out of the client's input, where a guard may still drop it, e.g. rate limited)."""
        if type(frame) in WATCHED and not (
            isinstance(frame, TranscriptFrame) and link.src.name in self._heads
        ):
            self.observe(frame)

    def turn_ended(self) -> None:
        """The turn ended: the context now holds the reply as heard; save."""
        self.progress.settle()
        self.save_soon()

    def loaded(self) -> None:
        """The graph started and holds the resumed conversation: save from it from now on."""
        self._resumed = None

    def snapshot(self) -> Session:
        """The record as it is saved now."""
        s = self.live.snapshot()
        if self._resumed is not None:
            s.conversation = copy.deepcopy(self._resumed.conversation)
            s.nodes = copy.deepcopy(self._resumed.nodes)
            return s
        conv = s.conversation
        if isinstance(conv.get("messages"), list):
            conv["messages"] = self.progress.apply(conv["messages"])
        state: Any = conv.get("state")
        if isinstance(state, dict) and isinstance(state.get("transcript"), list):
            state["transcript"] = self.progress.apply(state["transcript"])
        s.progress = self.progress.state()
        s.nodes = node_states(self.live.runtime.graph)
        return s

    def save_soon(self) -> None:
        """Start a save unless one runs (then it saves once more when done)."""
        if self.live.runtime.state.value != "running":
            return  # starting or stopping: the start and the finish save the record
        if self.live.want_save():
            self.live.runtime.spawn(self._persist(), name="persist")

    async def _persist(self) -> None:
        while self.live.next_save():
            await self.save()

    async def save(self) -> None:
        """Write the record now (a failing store is logged, never fatal to the call).

        The write runs in a task of its own that a cancelled caller does not stop (a
        store may write from a thread): `close` waits for it, so no save of a running
        session can land after the session was filed (a completed record deleted, then
        written back as active: a ghost session offered for resume).
        """
        if self.filed:
            return
        write = asyncio.ensure_future(self._write(self.snapshot()))
        self._writes.add(write)
        write.add_done_callback(self._writes.discard)
        await asyncio.shield(write)

    async def _write(self, record: Session) -> None:
        try:
            await self.store.save(record)
            self.saves += 1
        except VoiceError as err:
            log.warning("session %s: could not persist: %s", self.live.id, err)

    async def close(self) -> None:
        """The session is being filed: no save starts from now on; those under way finish."""
        self.filed = True
        if self._writes:
            await asyncio.gather(*list(self._writes), return_exceptions=True)
