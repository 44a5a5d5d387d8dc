"""attach_probes: the probes that feed a running session's turn tracker, conversation log and
record from the frames crossing its graph."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from voicegraph.backends.conversation_log import WATCHED as LOG_WATCHED
from voicegraph.backends.session_progress import WATCHED as PROGRESS_WATCHED
from voicegraph.backends.turn_tracker import WATCHED as TURN_WATCHED
from voicegraph.framework.frames.control import EndFrame

if TYPE_CHECKING:
    from collections.abc import Callable

    from voicegraph.backends.live_session import LiveSession
    from voicegraph.backends.session_record import SessionRecord
    from voicegraph.framework.frames.base import Frame
    from voicegraph.framework.node import Link

WATCHED = LOG_WATCHED | TURN_WATCHED | PROGRESS_WATCHED
"""Frame types a session's probes act on; every other frame costs one set lookup."""


def attach_probes(live: LiveSession, record: SessionRecord) -> None:
    """One probe per link of `live`'s runtime (it runs for every frame crossing it), plus the
    sink and head listeners: they feed `live` (turns, log) and `record` (saves as the turn
    goes). An `EndFrame` leaving a sink finishes the connection. A connection's own
    `graph_observer` (RTVI watches LLM tokens the sentence aggregator consumes) is attached
    to every link too."""
    rt, conn = live.runtime, live.conn
    watch: Callable[[Frame, Any], None] | None = getattr(conn, "graph_observer", None)

    def seen(frame: Frame, link: Link) -> None:
        if type(frame) in WATCHED:
            live.observe(frame, link)
            record.observe_link(frame, link)

    for link in rt.links:
        rt.observe(link.src.name, link.dst.name, seen)
        if watch is not None:
            rt.observe(link.src.name, link.dst.name, watch)

    def seen_up(frame: Frame, _head: str) -> None:
        live.observe(frame)
        record.observe(frame)

    def seen_out(frame: Frame, _sink: str) -> None:
        live.observe(frame)
        record.observe(frame)
        if type(frame) is EndFrame:
            live.conn.finish()

    rt.on_upstream(seen_up)
    rt.on_output(seen_out)
