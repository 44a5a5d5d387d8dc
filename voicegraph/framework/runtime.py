"""Runtime: runs one built graph — nodes, tasks, interruption, end-of-stream, errors."""

from __future__ import annotations

import asyncio
import enum
import logging
from typing import TYPE_CHECKING, Any

from voicegraph.framework.bus import Bus, ErrorEvent
from voicegraph.framework.clock import Clock, MonotonicClock
from voicegraph.framework.context import StartContext
from voicegraph.framework.edge import Edge
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames.base import UNSTAMPED
from voicegraph.framework.frames.control import EndFrame
from voicegraph.framework.frames.system import InterruptRequestFrame
from voicegraph.framework.interruption import Interruption
from voicegraph.framework.node import Link, Node
from voicegraph.framework.routing import Route, enter, is_stale, needs_queue

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine
    from types import TracebackType

    from voicegraph.framework.frames.base import Frame
    from voicegraph.framework.graph import Graph

_DATA = int(Route.DATA)
log = logging.getLogger("voicegraph.runtime")


class ErrorPolicy(enum.StrEnum):
    """What a node error does to the graph."""

    SKIP = "skip"  # report it, drop the frame, go on
    CANCEL = "cancel"  # report it and cancel the graph


class State(enum.StrEnum):
    """Lifecycle of a runtime."""

    CREATED = "created"
    RUNNING = "running"
    STOPPED = "stopped"


class Runtime:
    """Runs one graph: one task group, fused direct calls, queued nodes in their own tasks.

    Args:
        graph: the graph (built here if it is not yet).
        clock: the graph clock (default: monotonic); a `VirtualClock` in tests.
        fuse: call cheap nodes directly (default); False queues every node (for comparison).
        error_policy: skip the failing frame (default) or cancel the graph.
        start_timeout, stop_timeout, flush_timeout, end_timeout: lifecycle deadlines (s).
        metadata: per-session values handed to every node's `StartContext`.
    """

    def __init__(
        self,
        graph: Graph,
        *,
        clock: Clock | None = None,
        bus: Bus | None = None,
        fuse: bool = True,
        error_policy: ErrorPolicy = ErrorPolicy.SKIP,
        start_timeout: float = 10.0,
        stop_timeout: float = 2.0,
        flush_timeout: float = 1.0,
        end_timeout: float = 30.0,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if not graph.built:
            graph.build()
        self.graph = graph
        self.name = graph.name
        self.clock: Clock = clock or MonotonicClock()
        self.bus = bus or Bus(graph.name)
        self.error_policy = ErrorPolicy(error_policy)
        self.start_timeout, self.stop_timeout = start_timeout, stop_timeout
        self.flush_timeout, self.end_timeout = flush_timeout, end_timeout
        self.metadata = dict(metadata or {})
        self.shared: dict[str, Any] = {}
        """State the nodes of this running graph share (`StartContext.shared`)."""
        self.epoch = 0
        self.state = State.CREATED
        self.stale_at_sinks = 0
        self.failure: VoiceError | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._outputs: list[Callable[[Frame, str], None]] = []
        self._upstream: list[Callable[[Frame, str], None]] = []
        self._done = asyncio.Event()
        self._stopped = asyncio.Event()
        self.nodes: dict[str, Node] = {}
        for name in graph.topo_order():
            proc, cfg = graph.processors[name], graph.edges[name]
            upstream = [graph.processors[u] for u in graph.upstream(name)]
            queued = needs_queue(proc, forced=cfg.queued, fuse=fuse, upstream=upstream)
            node = Node(proc, self, Edge(cfg.capacity, cfg.overflow) if queued else None)
            node.input_format = graph.input_formats.get(name)
            node.output_format = graph.output_formats.get(name)
            self.nodes[name] = node
        self.links: list[Link] = []
        for a, b in graph.links:
            link = Link(self.nodes[a], self.nodes[b])
            self.nodes[a].down.append(link)
            self.nodes[b].up.append(link)
            self.links.append(link)
        for node in self.nodes.values():
            node.wire()
        self._order = list(self.nodes.values())
        self._heads = [n for n in self._order if not n.up]
        self._sinks = [n for n in self._order if not n.down]
        self._sinks_ended = 0
        self._interruption = Interruption(self)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._heads_interruptible = all(n.interruptible for n in self._heads)

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        """Start every node (downstream first), then the node tasks.

        Raises:
            VoiceError: (timeout) a node did not start in time; (pipeline_error) one failed.
        """
        if self.state is not State.CREATED:
            raise VoiceError(ErrorCode.PIPELINE_ERROR, f"runtime {self.name} already started")
        self._loop = asyncio.get_running_loop()
        self.state = State.RUNNING
        try:
            async with asyncio.timeout(self.start_timeout):
                for node in reversed(self._order):
                    ctx = StartContext(self, node.name, node.input_format, node.output_format, self.metadata)
                    await node.proc.on_start(ctx)
        except TimeoutError:
            await self._shutdown()
            msg = f"graph {self.name} did not start in {self.start_timeout}s"
            raise VoiceError(ErrorCode.TIMEOUT, msg) from None
        except Exception as exc:
            await self._shutdown()
            if isinstance(exc, VoiceError):
                raise
            raise VoiceError(ErrorCode.PIPELINE_ERROR, f"start failed: {exc!r}") from exc
        for node in self._order:
            if node.edge is not None:
                node.task = self.spawn(node.run(), name=node.name)

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str | None = None) -> asyncio.Task[Any]:
        """Run `coro` as a task of this graph's group (cancelled when the graph stops)."""
        task = asyncio.get_running_loop().create_task(coro, name=f"{self.name}:{name or 'task'}")
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            assert exc is not None
            self.report_at(task.get_name(), exc)

    async def end(self, timeout: float | None = None) -> None:
        """End of stream: drain every node in order, wait for every sink, then stop.

        Raises:
            VoiceError: (timeout) the drain did not finish in time (the graph is cancelled).
        """
        if self.state is State.RUNNING:
            await self.push(EndFrame())
            try:
                async with asyncio.timeout(timeout or self.end_timeout):
                    await self._done.wait()
            except TimeoutError:
                await self._shutdown()
                raise VoiceError(ErrorCode.TIMEOUT, f"graph {self.name} did not drain in time") from None
        await self._shutdown()

    async def cancel(self) -> None:
        """Stop at once: no drain; every task is cancelled and every node stopped."""
        await self._shutdown()

    async def wait(self) -> None:
        """Wait until every sink has seen the end frame."""
        await self._done.wait()

    async def _shutdown(self) -> None:
        current = asyncio.current_task()
        if self.state is State.STOPPED:  # another caller is stopping it: wait for that
            await self._stopped.wait()
            rest = [t for t in self._tasks if t is not current]
            if rest:
                await asyncio.wait(rest, timeout=self.stop_timeout)
            return
        self.state = State.STOPPED
        self._done.set()
        tasks = [t for t in self._tasks if t is not current]
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=self.stop_timeout)
        for node in self._order:
            try:
                async with asyncio.timeout(self.stop_timeout):
                    await node.proc.on_stop()
            except Exception as exc:
                self.report_at(node.name, exc)
            node.proc._node = None
        self._stopped.set()

    async def __aenter__(self) -> Runtime:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if et is None and self.state is State.RUNNING:
            await self.end()
        else:
            await self._shutdown()

    # -- frames in and out ----------------------------------------------------------------
    async def push(self, frame: Frame, to: str | None = None) -> None:
        """Push `frame` into the head nodes (or the node `to`) from outside the graph.

        Runs in the caller's task: a fused head runs its handler (and every fused node
        after it) before `push` returns; a queued head (its own edge, e.g.
        `EdgeConfig(queued=True)`) only takes the frame into its lane, waiting while the
        lane is full under the `block` policy. System frames are delivered at once. An
        interruption while a push of a data frame into interruptible heads runs cancels
        it (its frame is stale then, as the output of every handler it drives) and the
        push returns; control frames such as `EndFrame` are never cancelled. See docs/runtime_api.md.

        Raises:
            VoiceError: (pipeline_error) the runtime is not running.
        """
        if self.state is not State.RUNNING:
            raise VoiceError(ErrorCode.PIPELINE_ERROR, f"graph {self.name} is not running")
        if frame.epoch == UNSTAMPED:
            object.__setattr__(frame, "epoch", self.epoch)
            object.__setattr__(frame, "pts", self.clock.now_ns())
        targets = [self.nodes[to]] if to else self._heads
        cancellable = self._heads_interruptible if to is None else targets[0].interruptible
        if not frame.droppable or not cancellable:
            await enter(self, frame, targets)
            return
        task = asyncio.current_task(self._loop)  # an interruption may cancel this push (interruption.py)
        pushing = self._interruption.pushing
        if task is None or task in pushing:
            await enter(self, frame, targets)
            return
        pushing[task] = None
        absorbed = False
        try:
            for node in targets:  # `enter` for a data frame into interruptible heads, inline
                if frame.epoch < self.epoch:  # stale (`is_stale`)
                    node.in_stats.dropped_stale += 1
                else:
                    await node.inlet(_DATA, frame)
        except asyncio.CancelledError:
            if pushing[task] is None:  # not cancelled by an interruption
                raise
            absorbed = True
            if task.uncancel() > 0:  # cancelled by someone else too
                raise
        finally:
            unwound = pushing.pop(task)
            if unwound is not None:
                self._interruption.push_unwound(task, unwound, uncancel=not absorbed)

    def on_output(self, fn: Callable[[Frame, str], None]) -> None:
        """Call `fn(frame, sink_name)` for every frame leaving a sink (and interruptions)."""
        self._outputs.append(fn)

    def emit_output(self, frame: Frame, sink: str) -> None:
        """Hand `frame` to the output listeners as if it left `sink` ("" for an interruption)."""
        for fn in self._outputs:
            fn(frame, sink)

    def on_upstream(self, fn: Callable[[Frame, str], None]) -> None:
        """Call `fn(frame, head_name)` for every upstream frame leaving a head."""
        self._upstream.append(fn)

    def collect(self) -> list[Frame]:
        """A list that receives every frame leaving the graph's sinks."""
        frames: list[Frame] = []
        self.on_output(lambda f, _: frames.append(f))
        return frames

    def observe(self, src: str, dst: str, probe: Callable[[Frame, Link], None]) -> None:
        """Attach an observer to the link src->dst (called for every frame crossing it)."""
        for link in self.links:
            if link.src.name == src and link.dst.name == dst:
                link.probes.append(probe)
                return
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"no link {src} -> {dst}")

    async def exit_down(self, frame: Frame, node: Node) -> None:
        """A frame left sink `node`: drop it if stale, else hand it to the listeners."""
        if is_stale(frame, node):  # sent by a handler that started before an interruption
            self.stale_at_sinks += 1
            return
        self.emit_output(frame, node.name)
        if type(frame) is EndFrame:
            self._sinks_ended += 1
            if self._sinks_ended >= len(self._sinks):
                self._done.set()

    async def exit_up(self, frame: Frame, node: Node) -> None:
        """An upstream frame left head `node`: interruption requests are served here."""
        if isinstance(frame, InterruptRequestFrame):
            await self.interrupt(frame.reason, seen_epoch=frame.seen_epoch)
            return
        for fn in self._upstream:
            fn(frame, node.name)

    # -- interruption ---------------------------------------------------------------------
    async def interrupt(self, reason: str = "", *, seen_epoch: int = -1) -> bool:
        """Broadcast one interruption to every node; returns False if already served.

        Every interruptible node has its lane emptied and its running handler cancelled
        (synchronously, before anything else runs; never the task serving this or another
        interruption, whose handler's output is stale anyway), so has every data push in
        flight (`push` then returns), and output listeners see the `InterruptFrame`; then
        the runtime waits until each cancelled handler has unwound (its `finally` blocks
        ran, `framework/interruption.py`), and only then calls
        `on_flush` on each node in topological order. One `flush_timeout` deadline
        bounds the wait and one bounds the flush pass. Data frames from the old epoch
        are dropped wherever they still turn up, so nothing sent before the
        interruption reaches a sink.
        """
        return await self._interruption.interrupt(reason, seen_epoch)

    # -- errors and statistics ------------------------------------------------------------
    def report(self, node: Node, exc: BaseException) -> None:
        """A node failed: publish a coded error on the bus; apply the error policy."""
        self.report_at(node.name, exc)

    def report_at(self, where: str, exc: BaseException) -> None:
        """A failure at `where` (a node or task name): publish it; apply the error policy."""
        if isinstance(exc, VoiceError):
            err = exc if exc.node else exc.with_node(where)
        else:
            err = VoiceError(ErrorCode.PIPELINE_ERROR, f"{type(exc).__name__}: {exc}", node=where)
            err.__cause__ = exc
        log.warning("graph %s: node %s failed: %s", self.name, where, err, exc_info=exc)
        fatal = self.error_policy is ErrorPolicy.CANCEL
        self.bus.publish(ErrorEvent(graph=self.name, error=err, node=where, fatal=fatal))
        if fatal and self.failure is None and self.state is State.RUNNING:
            self.failure = err
            self.spawn(self._shutdown(), name="cancel-on-error")

    def stats(self) -> dict[str, dict[str, int]]:
        """Per-link and per-edge counters, keyed `src->dst` and `in:node`."""
        out: dict[str, dict[str, int]] = {}
        for link in self.links:
            out[link.name] = {"frames": link.stats.frames, "system_frames": link.stats.system_frames}
        for node in self._order:
            s = node.in_stats
            out[f"in:{node.name}"] = {
                "queued": len(node.edge) if node.edge is not None else 0,
                "dropped_overflow": s.dropped_overflow, "dropped_stale": s.dropped_stale,
                "flushed": s.flushed, "high_water": s.high_water, "blocked": s.blocked,
            }  # fmt: skip
        return out

    def queue_depth(self, node: str) -> int:
        """Frames waiting in the data lane in front of `node` now (0 for a fused node).

        Raises:
            VoiceError: (invalid_config) no node of that name.
        """
        found = self.nodes.get(node)
        if found is None:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"graph {self.name} has no node {node!r}")
        return len(found.edge) if found.edge is not None else 0

    @property
    def running(self) -> bool:
        """Whether the graph is running (started, not stopping)."""
        return self.state is State.RUNNING

    @property
    def order(self) -> list[Node]:
        """The nodes in topological order."""
        return self._order

    @property
    def tasks(self) -> frozenset[asyncio.Task[Any]]:
        """The graph's live tasks."""
        return frozenset(self._tasks)
