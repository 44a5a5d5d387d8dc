"""GraphSessionRunner: runs one graph per connection, from connect to finish."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames.control import EndFrame
from voicegraph.framework.runtime import Runtime
from voicegraph.transports.session_end import end_with_connection

if TYPE_CHECKING:
    from voicegraph.framework.clock import Clock
    from voicegraph.framework.frames.base import Frame
    from voicegraph.framework.graph import Graph
    from voicegraph.transports.connection import Connection

log = logging.getLogger("voicegraph.transports")

GraphFactory = Callable[["Connection"], "Graph"]
"""Builds the graph of one session, on the connection's `input()` and `output()`."""
R = TypeVar("R")


class GraphSessionRunner:
    """Runs a session: builds the connection's graph, runs it until the connection finishes.

    A transport awaits `runner(conn)` once per accepted client. The session ends when
    the client ends cleanly (the graph drains; the end frame leaving a sink finishes the
    connection), when the client is lost (the graph is cancelled), or when the graph
    stops by itself (an error under the cancel policy). A session manager can wrap or
    replace this callable: anything `async (Connection) -> None` will do.

    Args:
        graph_factory: builds one session's graph from its connection.
        clock: graph clock factory (default: the monotonic clock).
        runtime_options: more keyword arguments for `Runtime` (timeouts, error policy).
    """

    def __init__(
        self,
        graph_factory: GraphFactory,
        *,
        clock: Callable[[], Clock] | None = None,
        **runtime_options: Any,
    ) -> None:
        self._factory = graph_factory
        self._clock = clock
        self._options = runtime_options

    async def __call__(self, conn: Connection) -> None:
        """Run `conn`'s session to its end.

        Raises:
            VoiceError: the graph could not be built or started (its code says why).
        """
        graph = self._factory(conn)
        clock = self._clock() if self._clock is not None else None
        options = dict(self._options)
        metadata = {**options.pop("metadata", {}), "session_id": conn.session_id}
        rt = Runtime(graph, clock=clock, metadata=metadata, **options)

        def on_output(frame: Frame, _: str) -> None:
            if type(frame) is EndFrame:
                conn.finish()

        rt.on_output(on_output)
        await rt.start()
        await end_with_connection(rt, conn)


def session_runner_or_graph(
    session_runner: R | None, graph_factory: GraphFactory | None, transport: str
) -> R | GraphSessionRunner:
    """What a transport runs each session with: `session_runner` when given, else a
    `GraphSessionRunner` over `graph_factory`.

    Raises:
        VoiceError: (invalid_config) neither is given; the message names `transport`.
    """
    if session_runner is not None:
        return session_runner
    if graph_factory is None:
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"{transport} needs graph_factory or session_runner")
    return GraphSessionRunner(graph_factory)
