"""LoopLag: how late this process's event loop wakes up, measured continuously."""

from __future__ import annotations

import asyncio
import time
from collections import deque


class LoopLag:
    """Sleeps `period_s` again and again and records how late each wake-up is.

    A worker whose loop runs late plays audio late, so lag is one of the two inputs of
    the load it reports (the other is the session count). `lag_ms` is the mean
    lateness of the last `window` wake-ups (about `window * period_s` seconds): a
    single stall (a room being joined, an engine warming up) must not make the worker
    report itself full, since the server then drops jobs it has nowhere to send
    ("no workers with sufficient capacity"); `worst_ms` is the worst one.

    Args:
        period_s: sleep between probes.
        window: wake-ups kept.
    """

    def __init__(self, period_s: float = 0.1, window: int = 30) -> None:
        self.period_s = period_s
        self._late_ms: deque[float] = deque(maxlen=window)

    @property
    def lag_ms(self) -> float:
        """The mean lateness in the window, in ms (0 before the first probe)."""
        return sum(self._late_ms) / len(self._late_ms) if self._late_ms else 0.0

    @property
    def worst_ms(self) -> float:
        """The worst lateness in the window, in ms."""
        return max(self._late_ms, default=0.0)

    async def run(self) -> None:
        """Probe until cancelled."""
        while True:
            t0 = time.perf_counter()
            await asyncio.sleep(self.period_s)
            self._late_ms.append(max(0.0, (time.perf_counter() - t0 - self.period_s) * 1000))
