"""Outbox: how a node pushes frames; a thin handle over the node's `Router`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voicegraph.framework.frames.base import Direction
from voicegraph.framework.frames.system import InterruptRequestFrame
from voicegraph.framework.routing import Route, Router, route_of

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from voicegraph.framework.frames.base import Frame
    from voicegraph.framework.node import Node


class Outbox:
    """Sends frames from one node to its neighbours (routing: `voicegraph.framework.routing`).

    Each node has three: the data outbox handed to data handlers, which stamps new frames
    with the epoch of the frame being handled (so output of an interrupted handler is
    recognisably stale), the system outbox (`Processor.outbox`) for system handlers and
    background work, which stamps the current epoch, and the upstream outbox handed to
    handlers of frames travelling upstream.
    """

    __slots__ = ("_router", "direction", "send", "send_up")

    def __init__(
        self, node: Node, *, data: bool, direction: Direction = Direction.DOWN, like: Outbox | None = None
    ) -> None:
        # `like`: an outbox of the same node and kind whose router (and its bound methods)
        # this one shares: fewer objects per live graph for the garbage collector to walk.
        self._router: Router = like._router if like is not None else Router(node, data=data)
        self.direction = direction
        """Which way the frame being handled was travelling (UP for upstream deliveries)."""
        self.send: Callable[[Frame], Awaitable[None]] = like.send if like is not None else self._router.send
        """`await out.send(frame)`: push `frame` in its natural direction (downstream
        unless it is upstream-only)."""
        self.send_up: Callable[[Frame], Awaitable[None]] = (
            like.send_up if like is not None else self._router.send_up
        )
        """`await out.send_up(frame)`: push `frame` upstream, towards the graph's head(s)."""

    async def forward(self, frame: Frame) -> None:
        """Pass `frame` on in the direction the handled frame was travelling."""
        await self._router.route(frame, route_of(frame, self.direction is Direction.UP))

    async def request_interrupt(self, reason: str = "") -> None:
        """Ask for an interruption (barge-in). It travels upstream, then flushes everything."""
        rt = self._router.runtime
        await self._router.route(InterruptRequestFrame(reason=reason, seen_epoch=rt.epoch), Route.UP)
