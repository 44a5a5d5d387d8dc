"""Node: the runtime's wrapper around one processor (dispatch, lanes, task, end-of-stream)."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Any

from voicegraph.framework.edge import Edge, EdgeStats
from voicegraph.framework.frames.base import Direction
from voicegraph.framework.frames.control import EndFrame
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor
from voicegraph.framework.routing import is_stale

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from voicegraph.framework.formats import AudioFormat
    from voicegraph.framework.frames.base import Frame
    from voicegraph.framework.frames.system import InterruptFrame
    from voicegraph.framework.runtime import Runtime

_MISSING: Any = object()

BUDGET = 32
"""Frames a task handles back to back before yielding, so one backlog cannot starve others."""

_DEDUPE = 64


class Link:
    """One graph edge between two nodes: direct call when fused, an `Edge` when queued."""

    __slots__ = ("dst", "probes", "src", "stats")

    def __init__(self, src: Node, dst: Node) -> None:
        self.src = src
        self.dst = dst
        self.stats = EdgeStats()
        self.probes: list[Callable[[Frame, Link], None]] = []

    def observe(self, frame: Frame) -> None:
        """Run the observers attached to this link."""
        for probe in self.probes:
            probe(frame, self)

    @property
    def name(self) -> str:
        """`src->dst`."""
        return f"{self.src.name}->{self.dst.name}"


class Node:
    """Runs one processor: data path, system path, upstream path, interruption, drain."""

    __slots__ = (
        "busy", "cur_epoch", "data_out", "down", "edge", "ended", "ends_needed", "ends_seen",
        "flush_cancels", "in_stats", "input_format", "interruptible", "name", "output_format",
        "proc", "runtime", "seen", "sticky", "system_out", "task", "unwound", "up", "up_out",
    )  # fmt: skip

    def __init__(self, proc: Processor, runtime: Runtime, edge: Edge | None) -> None:
        self.proc = proc
        self.name = proc.name
        self.runtime = runtime
        self.interruptible = proc.interruptible
        self.edge = edge
        self.in_stats = edge.stats if edge is not None else EdgeStats()
        self.down: list[Link] = []
        self.up: list[Link] = []
        self.data_out = Outbox(self, data=True)
        self.system_out = Outbox(self, data=False)
        self.up_out = Outbox(self, data=False, direction=Direction.UP, like=self.system_out)
        self.task: asyncio.Task[None] | None = None
        self.busy = False
        self.unwound: asyncio.Future[None] | None = None  # resolved when a cancelled handler unwound
        self.flush_cancels = 0
        self.cur_epoch = 0
        self.ends_needed = 1
        self.ends_seen = 0
        self.ended = False
        self.seen: deque[Frame] | None = None  # fan-in/fan-out de-duplication ring
        self.input_format: AudioFormat | None = None
        self.output_format: AudioFormat | None = None
        self.sticky: dict[type[Frame], Frame] = {}
        proc._node = self

    def inlet(self, route: int, frame: Frame) -> Awaitable[None]:
        """The entry point for `frame` arriving by `route` (`routing.Route`): the data lane
        (the handler itself when fused, the edge when queued), the control lane, upstream.
        Dispatched here rather than through a per-node table of bound methods: each node
        then holds no bound method of itself, so a live graph is fewer objects for the
        garbage collector to walk (issue 19)."""
        if route == 0:
            return self.process(frame) if self.edge is None else self.edge.put(frame)
        if route == 1:
            return self.deliver_system(frame)
        return self.deliver_up(frame)

    def wire(self) -> None:
        """Called once links exist: sets end counting and de-duplication."""
        self.ends_needed = max(1, len(self.up))
        if len(self.up) > 1 or len(self.down) > 1:
            self.seen = deque(maxlen=_DEDUPE)

    def _first_time(self, frame: Frame) -> bool:
        seen = self.seen
        if seen is None:
            return True
        for f in seen:
            if f is frame:
                return False
        seen.append(frame)
        return True

    # -- data path ----------------------------------------------------------------------
    async def enqueue(self, frame: Frame) -> None:
        """Data-lane entry of a queued node (the router has dropped stale frames)."""
        assert self.edge is not None
        await self.edge.put(frame)

    async def process(self, frame: Frame) -> None:
        """Run the handler for `frame` (or pass it through) in the current task: the
        data-lane entry of a fused node (the router has dropped stale frames).
        """
        if type(frame) is EndFrame:
            await self._end(frame)
            return
        if frame.sticky:
            self.sticky[type(frame)] = frame
        proc = self.proc
        handler = proc._dispatch.get(type(frame), _MISSING)
        if handler is _MISSING:
            handler = proc.handler_for(type(frame))
        if handler is None:
            await self.data_out.send(frame)
            return
        self.cur_epoch = frame.epoch
        try:
            await handler(frame, self.data_out)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.runtime.report(self, exc)

    async def _end(self, frame: Frame) -> None:
        self.ends_seen += 1
        if self.ended or self.ends_seen < self.ends_needed:
            return
        self.ended = True
        self.cur_epoch = self.runtime.epoch
        try:
            await self.proc.on_drain(self.data_out)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.runtime.report(self, exc)
        if self.edge is not None:
            self.edge.ended = True
        await self.data_out.send(frame)

    # -- system and upstream paths ------------------------------------------------------
    async def deliver_system(self, frame: Frame) -> None:
        """Out-of-band delivery of a downstream system frame, in the sender's task."""
        if self.seen is not None and not self._first_time(frame):
            return
        await self._system(frame, up=False)

    async def deliver_up(self, frame: Frame) -> None:
        """Delivery of an upstream frame, in the sender's task."""
        if self.seen is not None and not self._first_time(frame):
            return
        await self._system(frame, up=True)

    async def _system(self, frame: Frame, *, up: bool) -> None:
        handler = self.proc.handler_for(type(frame))
        out = self.up_out if up else self.system_out
        if handler is None:
            await out.forward(frame)
            return
        try:
            await handler(frame, out)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.runtime.report(self, exc)

    # -- interruption ---------------------------------------------------------------------
    def begin_flush(self, exempt: set[asyncio.Task[Any]]) -> int:
        """Synchronous part of an interruption: empty the lane, cancel the running handler
        (`unwound` then resolves once the handler has unwound); return the frames emptied.
        """
        if not self.interruptible:
            return 0
        gone = self.edge.flush() if self.edge is not None else 0
        task = self.task
        if self.busy and task is not None and task not in exempt and not task.done():
            self.flush_cancels += 1
            task.cancel()
            if self.unwound is None:
                self.unwound = task.get_loop().create_future()
        return gone

    def _mark_unwound(self) -> None:
        fut, self.unwound = self.unwound, None
        if fut is not None and not fut.done():
            fut.set_result(None)

    def has_flush_work(self, frame: InterruptFrame) -> bool:
        """Whether `finish_flush` would call anything (most pass-through nodes: no)."""
        overrides = type(self.proc).on_flush is not Processor.on_flush
        return (self.interruptible and overrides) or self.proc.handler_for(type(frame)) is not None

    async def finish_flush(self, frame: InterruptFrame) -> None:
        """Second part: the processor's `on_flush`, then its InterruptFrame handler if any."""
        try:
            if self.interruptible:
                await self.proc.on_flush()
            handler = self.proc.handler_for(type(frame))
            if handler is not None:
                await handler(frame, self.system_out)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.runtime.report(self, exc)

    # -- own task -------------------------------------------------------------------------
    async def run(self) -> None:
        """Task body of a queued node: take frames from the edge until the end frame."""
        edge = self.edge
        assert edge is not None
        task = asyncio.current_task()
        assert task is not None
        handled = 0
        while not self.ended:
            try:
                frame = edge.get_nowait()
                if frame is None:
                    handled = 0
                    frame = await edge.get()
                if is_stale(frame, self):  # its sender waited for room across an interruption
                    self.in_stats.dropped_stale += 1
                    continue
                self.busy = True
                try:
                    await self.process(frame)
                finally:
                    self.busy = False
                    if self.unwound is not None:  # an interruption waits for this point
                        self._mark_unwound()
                handled += 1
                if handled >= BUDGET:
                    handled = 0
                    await asyncio.sleep(0)
            except asyncio.CancelledError:
                if not self._absorb_flush_cancel(task):
                    raise
            else:
                if self.flush_cancels:  # a handler swallowed the cancellation
                    self._absorb_flush_cancel(task)

    def _absorb_flush_cancel(self, task: asyncio.Task[None]) -> bool:
        n, self.flush_cancels = self.flush_cancels, 0
        if n == 0:
            return False
        for _ in range(n):
            if task.cancelling():
                task.uncancel()
        return task.cancelling() == 0
