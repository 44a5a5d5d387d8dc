"""Clocks: one per graph, injectable. The virtual clock runs conversations faster than real time."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from typing import TYPE_CHECKING, Protocol

from voicegraph.framework.pacing_timer import pacing_timer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


class Clock(Protocol):
    """Time source for a graph: monotonic nanoseconds and sleeping until a time."""

    def now_ns(self) -> int:
        """Current time in monotonic nanoseconds."""
        ...

    async def sleep_until(self, t_ns: int) -> None:
        """Sleep until `now_ns() >= t_ns`."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Sleep for `seconds`."""
        ...


class MonotonicClock:
    """The real clock: `time.monotonic_ns`; deadlines wait on the process's pacing timer.

    Args:
        shared: wait for `sleep_until` deadlines on the event loop's one `PacingTimer`
            (sleepers due in the same millisecond share one wake-up); False gives every
            sleeper its own loop timer (`asyncio.sleep`), as before issue 19.
    """

    def __init__(self, *, shared: bool = True) -> None:
        self.shared = shared

    def now_ns(self) -> int:
        """Current monotonic time in ns."""
        return time.monotonic_ns()

    async def sleep_until(self, t_ns: int) -> None:
        """Sleep until the monotonic time `t_ns` (never wakes before it)."""
        wait_ns = t_ns - time.monotonic_ns()
        if wait_ns <= 0:
            await asyncio.sleep(0)
        elif self.shared:
            await pacing_timer().wait(t_ns)
        else:
            await asyncio.sleep(wait_ns / 1e9)

    async def sleep(self, seconds: float) -> None:
        """Sleep for `seconds` of real time."""
        await asyncio.sleep(max(0.0, seconds))


class VirtualClock:
    """Deterministic virtual time: jumps to the next timer whenever the loop is idle.

    Inside `autojump()`, a driver task waits until no other callback is ready to run,
    then moves time to the earliest sleeper and wakes it. Work that waits on threads or
    real sockets is not seen as busy, so use it for graphs of pure async nodes.
    """

    def __init__(self, start_ns: int = 0) -> None:
        self._now = start_ns
        self._timers: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def now_ns(self) -> int:
        """Current virtual time in ns."""
        return self._now

    async def sleep(self, seconds: float) -> None:
        """Sleep for `seconds` of virtual time."""
        await self.sleep_until(self._now + int(seconds * 1e9))

    async def sleep_until(self, t_ns: int) -> None:
        """Park until virtual time reaches `t_ns`."""
        if t_ns <= self._now:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (t_ns, next(self._seq), fut))
        await fut

    def advance(self, ns: int) -> None:
        """Move time forward by `ns`, waking every sleeper due by then, in time order."""
        self._advance_to(self._now + ns)

    def _advance_to(self, t_ns: int) -> None:
        while self._timers and self._timers[0][0] <= t_ns:
            when, _, fut = heapq.heappop(self._timers)
            self._now = max(self._now, when)
            if not fut.done():
                fut.set_result(None)
        self._now = max(self._now, t_ns)

    def _next_due(self) -> int | None:
        while self._timers and self._timers[0][2].done():
            heapq.heappop(self._timers)  # cancelled sleepers
        return self._timers[0][0] if self._timers else None

    async def _drive(self, idle_rounds: int) -> None:
        loop = asyncio.get_running_loop()
        ready = getattr(loop, "_ready", None)  # CPython's run queue; absent elsewhere
        idle = 0
        while True:
            await asyncio.sleep(0)
            busy = ready is not None and len(ready) > 0
            idle = 0 if busy else idle + 1
            if idle < idle_rounds:
                continue
            due = self._next_due()
            if due is None:
                await asyncio.sleep(0.001)  # nothing to wake: let real I/O happen
                continue
            idle = 0
            self._advance_to(due)

    @contextlib.asynccontextmanager
    async def autojump(self, idle_rounds: int = 3) -> AsyncIterator[VirtualClock]:
        """Run a driver that advances time whenever every task is waiting."""
        driver = asyncio.get_running_loop().create_task(self._drive(idle_rounds))
        try:
            yield self
        finally:
            driver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await driver
