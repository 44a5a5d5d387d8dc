"""Interruption: the broadcast that cancels every running handler, waits for it to unwind,
then flushes each node; and the outside pushes it cancels too.

`Interruption` belongs to one `Runtime` (`Runtime.interrupt` and `Runtime.push` call it).
A fused head runs its handler in the task of whoever called `Runtime.push`, not in a
node task: while a push of a data frame runs, `Runtime.push` registers its task in
`pushing`, so an interruption cancels it like a node's handler, waits for it to unwind
before any `on_flush`, and the push then returns normally (the caller is not
cancelled). Cost on the push path: one dict insert and pop, inline in `Runtime.push`.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from voicegraph.framework.bus import InterruptEvent
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames.system import InterruptFrame

if TYPE_CHECKING:
    from collections.abc import Sequence

    from voicegraph.framework.node import Node
    from voicegraph.framework.runtime import Runtime


class Interruption:
    """Serves one runtime's interruptions (see `Runtime.interrupt`)."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.serving: set[asyncio.Task[Any]] = set()
        """Tasks serving an interruption now: never cancelled by one."""
        self.pushing: dict[asyncio.Task[Any], asyncio.Future[None] | None] = {}
        """Tasks inside a data push, and the future an interruption awaits once it cancelled one."""

    @staticmethod
    def push_unwound(task: asyncio.Task[Any], unwound: asyncio.Future[None], *, uncancel: bool) -> None:
        """A push this interruption cancelled has unwound; `uncancel` when the push did not
        see the cancellation (a handler swallowed it), so the caller's task is not left
        cancelling."""
        if uncancel:
            task.uncancel()
        unwound.set_result(None)

    def _cancel_pushes(self) -> list[asyncio.Future[None]]:
        waits: list[asyncio.Future[None]] = []
        for task, unwound in self.pushing.items():
            if unwound is None and task not in self.serving and not task.done():
                fut: asyncio.Future[None] = task.get_loop().create_future()
                self.pushing[task] = fut
                task.cancel()
                waits.append(fut)
        return waits

    async def interrupt(self, reason: str, seen_epoch: int) -> bool:
        """Broadcast one interruption; False if `seen_epoch` shows it was already served."""
        rt = self.rt
        if 0 <= seen_epoch < rt.epoch or not rt.running:
            return False
        t0 = time.perf_counter_ns()
        rt.epoch += 1
        frame = InterruptFrame(new_epoch=rt.epoch, reason=reason, epoch=rt.epoch, pts=rt.clock.now_ns())
        current = asyncio.current_task()
        if current is not None:
            self.serving.add(current)
        try:
            order = rt.order
            flushed = sum(node.begin_flush(self.serving) for node in order)
            pushes = self._cancel_pushes()
            rt.emit_output(frame, "")  # the interruption's instant: later frames are new-epoch
            await self._await_unwinding(order, pushes)
            await self._finish_flush([n for n in order if n.has_flush_work(frame)], frame)
        finally:
            if current is not None:
                self.serving.discard(current)
        flush_ns = time.perf_counter_ns() - t0
        rt.bus.publish(
            InterruptEvent(
                graph=rt.name, epoch=rt.epoch, reason=reason, flush_ns=flush_ns, flushed_frames=flushed
            )
        )
        return True

    async def _await_unwinding(self, order: Sequence[Node], pushes: list[asyncio.Future[None]]) -> None:
        # Plain futures resolved by each node's task loop and by each push: no scope or
        # task per handler call, so the hot path pays nothing for this.
        waiting: dict[asyncio.Future[None], Node | None] = dict.fromkeys(pushes)
        waiting.update({node.unwound: node for node in order if node.unwound is not None})
        if not waiting:
            return
        timeout = self.rt.flush_timeout
        _, late = await asyncio.wait(waiting, timeout=timeout)
        for fut in late:
            node = waiting[fut]
            where = node.name if node is not None else "push"
            msg = f"a cancelled handler did not unwind in {timeout}s"
            self.rt.report_at(where, VoiceError(ErrorCode.TIMEOUT, msg, node=where))

    async def _finish_flush(self, nodes: list[Node], frame: InterruptFrame) -> None:
        # One deadline covers the whole pass (a timer per node would dominate its cost);
        # a node that overruns it is reported and the pass goes on with a fresh deadline.
        timeout = self.rt.flush_timeout
        i = 0
        while i < len(nodes):
            try:
                async with asyncio.timeout(timeout):
                    while i < len(nodes):
                        await nodes[i].finish_flush(frame)
                        i += 1
            except TimeoutError:
                msg = f"on_flush did not finish in {timeout}s"
                self.rt.report(nodes[i], VoiceError(ErrorCode.TIMEOUT, msg, node=nodes[i].name))
                i += 1
