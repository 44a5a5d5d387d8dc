"""PacingTimer: one event-loop timer per process for every real-time loop (issue 19).

Every session paces something on a 10-40 ms grid: its playout writes a chunk at each
deadline, a file input sends a frame, a turn detector waits out its silence. With
`asyncio.sleep` each of those is its own timer: a `TimerHandle` on the loop's heap, and
one loop wake-up per session per period, so 500 sessions cost 25,000 timer operations a
second. The pacing timer keeps one loop timer for the whole process and groups the
sleepers by slot (1 ms by default): all sleepers due in the same slot share one wake-up,
and a sleeper costs a future and a list append. A sleeper is never woken before its
deadline (slots round up), and at most one slot after it.
"""

from __future__ import annotations

import asyncio
import heapq
import time
import weakref

SLOT_NS = 1_000_000
"""Sleepers whose deadlines fall in the same millisecond share one wake-up."""

_EARLY_NS = 50_000
"""How early the loop may run a timer (its clock resolution): such a slot counts as due."""


class PacingTimer:
    """The shared timer of one event loop: `wait(t_ns)` returns a future done at `t_ns`.

    Use `pacing_timer()` for the running loop's instance. Deadlines are
    `time.monotonic_ns()` values, as `MonotonicClock.now_ns()` gives them.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, slot_ns: int = SLOT_NS) -> None:
        self._loop = loop
        self._slot_ns = slot_ns
        self._slots: dict[int, list[asyncio.Future[None]]] = {}
        self._due: list[int] = []  # heap of the slots in `_slots`
        self._handle: asyncio.TimerHandle | None = None
        self._armed = 0  # the slot `_handle` fires for
        self.wakeups = 0
        """Loop timer callbacks so far (one per occupied slot, or fewer)."""

    def __len__(self) -> int:
        return sum(len(w) for w in self._slots.values())

    def wait(self, t_ns: int) -> asyncio.Future[None]:
        """A future that is done in the first slot at or after `t_ns` (cancel it freely)."""
        slot = -(-t_ns // self._slot_ns)
        fut = self._loop.create_future()
        waiters = self._slots.get(slot)
        if waiters is not None:
            waiters.append(fut)
            return fut
        self._slots[slot] = [fut]
        heapq.heappush(self._due, slot)
        if self._handle is None or slot < self._armed:
            self._arm(slot)
        return fut

    def _arm(self, slot: int) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._armed = slot
        delay = (slot * self._slot_ns - time.monotonic_ns()) / 1e9
        self._handle = self._loop.call_later(max(0.0, delay), self._fire)

    def _fire(self) -> None:
        self._handle = None
        self.wakeups += 1
        limit = (time.monotonic_ns() + _EARLY_NS) // self._slot_ns
        while self._due and self._due[0] <= limit:
            for fut in self._slots.pop(heapq.heappop(self._due)):
                if not fut.done():
                    fut.set_result(None)
        if self._due:
            self._arm(self._due[0])


_TIMERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, PacingTimer] = weakref.WeakKeyDictionary()


def pacing_timer() -> PacingTimer:
    """The running event loop's pacing timer (made on first use)."""
    loop = asyncio.get_running_loop()
    timer = _TIMERS.get(loop)
    if timer is None:
        timer = _TIMERS[loop] = PacingTimer(loop)
    return timer
