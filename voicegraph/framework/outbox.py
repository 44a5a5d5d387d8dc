"""Outbox: how a node pushes frames. Stamps epoch and pts, then routes by lane and direction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voicegraph.framework.frames.base import UNSTAMPED, Direction, Lane
from voicegraph.framework.frames.system import InterruptFrame, InterruptRequestFrame

if TYPE_CHECKING:
    from voicegraph.framework.frames.base import Frame
    from voicegraph.framework.node import Node

_set = object.__setattr__  # frames are frozen; the runtime stamps fresh ones once


class Outbox:
    """Sends frames from one node to its neighbours.

    Each node has two: the data outbox handed to data handlers, which stamps new frames
    with the epoch of the frame being handled (so output of an interrupted handler is
    recognisably stale), and the system outbox (`Processor.outbox`) for system handlers
    and background work, which stamps the current epoch.
    """

    __slots__ = ("_data", "_node", "direction")

    def __init__(self, node: Node, *, data: bool, direction: Direction = Direction.DOWN) -> None:
        self._node = node
        self._data = data
        self.direction = direction
        """Which way the frame being handled was travelling (UP for upstream deliveries)."""

    def _stamp(self, frame: Frame) -> None:
        if frame.epoch == UNSTAMPED:
            node = self._node
            rt = node.runtime
            epoch = node.cur_epoch if self._data and node.interruptible else rt.epoch
            _set(frame, "epoch", epoch)
            if frame.pts == UNSTAMPED:
                _set(frame, "pts", rt.clock.now_ns())

    async def send(self, frame: Frame) -> None:
        """Push `frame` in its natural direction (downstream unless it is upstream-only)."""
        if frame.direction is Direction.UP:
            await self.send_up(frame)
            return
        self._stamp(frame)
        node = self._node
        if frame.lane is Lane.CONTROL:
            if isinstance(frame, InterruptFrame):
                await node.runtime.interrupt(frame.reason)
                return
            for link in node.down:
                link.stats.system_frames += 1
                if link.probes:
                    link.observe(frame)
                await link.dst.deliver_system(frame)
        else:
            for link in node.down:
                link.stats.frames += 1
                if link.probes:
                    link.observe(frame)
                await link.deliver(frame)
        if not node.down:
            await node.runtime.exit_down(frame, node)

    async def forward(self, frame: Frame) -> None:
        """Pass `frame` on in the direction the handled frame was travelling."""
        if self.direction is Direction.UP:
            await self.send_up(frame)
        else:
            await self.send(frame)

    async def send_up(self, frame: Frame) -> None:
        """Push `frame` upstream, towards the graph's head(s)."""
        self._stamp(frame)
        node = self._node
        if not node.up:
            await node.runtime.exit_up(frame, node)
            return
        for link in node.up:
            link.stats.system_frames += 1
            await link.src.deliver_up(frame)

    async def request_interrupt(self, reason: str = "") -> None:
        """Ask for an interruption (barge-in). It travels upstream, then flushes everything."""
        rt = self._node.runtime
        await self.send_up(InterruptRequestFrame(reason=reason, seen_epoch=rt.epoch))
