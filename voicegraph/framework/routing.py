"""Routing: the one place that decides where a frame goes.

Three decisions live here and nowhere else:

- `route_of`: which way a frame travels (data lane, control lane, upstream, or the
  interruption broadcast), from its `lane`/`direction` flags and the way the frame being
  handled was going.
- `is_stale`: whether a frame belongs to an interrupted epoch and must be dropped.
- `needs_queue`: whether a node is fused (called directly by its upstream neighbour)
  or queued (an `Edge` and a task of its own).

`Router` applies them to the frames one node sends; `enter` applies them to frames
pushed into the graph from outside. `Outbox` is a thin handle over a `Router`.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from voicegraph.framework.frames.base import UNSTAMPED, Direction, Lane
from voicegraph.framework.frames.system import CancelFrame, InterruptFrame

if TYPE_CHECKING:
    from collections.abc import Sequence

    from voicegraph.framework.frames.base import Frame
    from voicegraph.framework.node import Node
    from voicegraph.framework.processor import Processor
    from voicegraph.framework.runtime import Runtime

_set = object.__setattr__  # frames are frozen; the runtime stamps fresh ones once


class Route(enum.IntEnum):
    """Where a frame goes next (`Node.inlet` takes it)."""

    DATA = 0
    """Downstream, in band: the bounded data lane (data and in-order control frames)."""
    SYSTEM = 1
    """Downstream, out of band: a direct call in the sender's task, never behind data."""
    UP = 2
    """Upstream, towards the head(s): a direct call in the sender's task."""
    INTERRUPT = 3
    """An `InterruptFrame` sent downstream: served as one graph-wide interruption."""


_NATURAL: dict[type[Frame], Route] = {}
_DATA = Route.DATA  # module constants: cheaper than an enum attribute on the hot path
_UP = Route.UP


def route_of(frame: Frame, up: bool = False) -> Route:
    """The route of `frame`: upstream if `up` (it is forwarded the way an upstream
    delivery was going), else its natural one from its `direction` and `lane` flags.
    Memoised per frame class (the flags are ClassVars).
    """
    if up:
        return _UP
    route = _NATURAL.get(type(frame))
    if route is None:
        if frame.direction is Direction.UP:
            route = Route.UP
        elif frame.lane is Lane.CONTROL:
            route = Route.INTERRUPT if isinstance(frame, InterruptFrame) else Route.SYSTEM
        else:
            route = Route.DATA
        _NATURAL[type(frame)] = route
    return route


def is_stale(frame: Frame, node: Node) -> bool:
    """Whether `frame` is from an interrupted epoch and must not reach `node` (its lane or
    its handler) or, for a sink, leave the graph: a data frame, an interruptible node, an
    old epoch. Checked on arrival at every node, at dequeue (a sender blocked on a full
    lane may have stamped it before the interruption) and at the graph's exit.
    """
    return frame.droppable and node.interruptible and frame.epoch < node.runtime.epoch


def needs_queue(proc: Processor, *, forced: bool | None, fuse: bool, upstream: Sequence[Processor]) -> bool:
    """The fused-or-queued rule: True gives the node an `Edge` and a task of its own.

    A spec's `queued:` setting (`forced`) wins. Otherwise a node is queued when the
    runtime does not fuse at all (`fuse=False`, for comparison), when it is `concurrent`
    (slow or blocking work), when it is a fan-in point (two upstream tasks could enter
    it at once), or when an upstream neighbour sends from background tasks (same
    reason). Every other node is fused: its upstream neighbour calls it directly, so a
    hop costs a function call, not a queue and a task switch.
    """
    if forced is not None:
        return forced
    return not fuse or proc.concurrent or len(upstream) > 1 or any(u.background_output for u in upstream)


class Router:
    """Routes the frames one node sends: stamps them, then hands them to the neighbours.

    A data router (the outbox of data handlers) stamps new frames with the epoch of the
    frame being handled, so output of an interrupted handler is recognisably stale; a
    system router (system handlers, background work) stamps the current epoch.
    """

    __slots__ = ("_data", "_node", "_rt")

    def __init__(self, node: Node, *, data: bool) -> None:
        self._node = node
        self._rt: Runtime = node.runtime
        self._data = data and node.interruptible

    @property
    def runtime(self) -> Runtime:
        """The runtime of the node this router sends for."""
        return self._rt

    def stamp(self, frame: Frame) -> None:
        """Give an unstamped frame its epoch and pts."""
        if frame.epoch == UNSTAMPED:
            _set(frame, "epoch", self._node.cur_epoch if self._data else self._rt.epoch)
            if frame.pts == UNSTAMPED:
                _set(frame, "pts", self._rt.clock.now_ns())

    async def send(self, frame: Frame) -> None:
        """Send `frame` in its natural direction (the data lane inline: the hot path)."""
        route = _NATURAL.get(type(frame))
        if route is not _DATA:
            await self.route(frame, route_of(frame) if route is None else route)
            return
        self.stamp(frame)
        node = self._node
        if not node.down:
            await self._rt.exit_down(frame, node)
            return
        for link in node.down:
            link.stats.frames += 1
            if link.probes:
                link.observe(frame)
            dst = link.dst
            if is_stale(frame, dst):
                dst.in_stats.dropped_stale += 1
                continue
            if dst.edge is None:  # fused: run its handler in this task
                await dst.process(frame)
            else:
                await dst.edge.put(frame)

    async def send_up(self, frame: Frame) -> None:
        """Send `frame` upstream, whatever its natural direction."""
        await self.route(frame, _UP)

    async def route(self, frame: Frame, route: Route) -> None:
        """Send `frame` along `route` to every neighbour on that side, or out of the graph."""
        self.stamp(frame)
        node = self._node
        if route is Route.UP:
            if not node.up:
                await self._rt.exit_up(frame, node)
                return
            for link in node.up:
                link.stats.system_frames += 1
                await link.src.deliver_up(frame)
            return
        if route is Route.INTERRUPT:
            await self._rt.interrupt(frame.reason if isinstance(frame, InterruptFrame) else "")
            return
        if not node.down:
            await self._rt.exit_down(frame, node)
            return
        if route is Route.DATA:
            await self.send(frame)
            return
        for link in node.down:
            link.stats.system_frames += 1
            if link.probes:
                link.observe(frame)
            await link.dst.deliver_system(frame)


async def enter(rt: Runtime, frame: Frame, targets: Sequence[Node]) -> None:
    """A frame pushed into the graph from outside arrives at `targets` (the heads).

    A `CancelFrame` cancels the graph; an `InterruptFrame` interrupts it; every other
    frame takes its route into each target, as if an upstream neighbour had sent it.
    """
    if isinstance(frame, CancelFrame):
        await rt.cancel()
        return
    route = route_of(frame)
    if route is Route.INTERRUPT:
        await rt.interrupt(frame.reason if isinstance(frame, InterruptFrame) else "")
        return
    for node in targets:
        if route is Route.DATA and is_stale(frame, node):
            node.in_stats.dropped_stale += 1
            continue
        await node.inlet(route, frame)
