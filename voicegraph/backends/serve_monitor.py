"""ServeMonitor: what `/health` says about a serving process beyond its parts — engines and load."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import TYPE_CHECKING

from voicegraph.transports.health_report import ComponentHealth, HealthStatus
from voicegraph.transports.playout_stats import PlayoutStats

if TYPE_CHECKING:
    from voicegraph.backends.config import HealthThresholds
    from voicegraph.backends.session_manager import SessionManager


class ServeMonitor:
    """Watches one `voicegraph serve` process for its health endpoint.

    Two components: `engines` (starting while the engines preload: the endpoint answers
    503 `starting`; healthy once ready, with the preload time) and `load`, degraded
    (still 200) when the event loop's lag or the sessions' playout lateness over the last
    `window_s` passes `thresholds`. The lag is measured by a task (`run`) sleeping
    `period_s` and recording how late it wakes, so a loop that is busy between health
    requests is seen; playout lateness is the share of late playout ticks (`PlayoutStats`)
    of every running session, sampled each period. Costs one wake-up per period.

    Args:
        manager: the backend's sessions (their graphs' playout stats).
        thresholds: the `health.degraded` config section.
        period_s: probe period.
        window_s: how far back the figures look.
    """

    def __init__(
        self,
        manager: SessionManager,
        thresholds: HealthThresholds,
        *,
        period_s: float = 0.1,
        window_s: float = 5.0,
    ) -> None:
        self._manager = manager
        self._limits = thresholds
        self._period = period_s
        self._window = window_s
        self._lags: deque[tuple[float, float]] = deque()
        self._ticks: deque[tuple[float, int, int]] = deque()
        self._seen: dict[int, tuple[int, int]] = {}
        self.starting = True
        self.preload_s: float | None = None
        self.preload_ms: dict[str, float] = {}
        self._t0 = time.monotonic()

    def ready(self, preload_s: float, per_node_ms: dict[str, float]) -> None:
        """The engines are loaded: `/health` may say ready."""
        self.starting = False
        self.preload_s = preload_s
        self.preload_ms = dict(per_node_ms)

    async def run(self) -> None:
        """Probe until cancelled."""
        loop = asyncio.get_running_loop()
        while True:
            t0 = loop.time()
            await asyncio.sleep(self._period)
            now = loop.time()
            self._lags.append((now, max(0.0, (now - t0 - self._period) * 1000.0)))
            self._sample_playout(now)
            while self._lags and self._lags[0][0] < now - self._window:
                self._lags.popleft()
            while self._ticks and self._ticks[0][0] < now - self._window:
                self._ticks.popleft()

    def _sample_playout(self, now: float) -> None:
        chunks = late = 0
        seen: dict[int, tuple[int, int]] = {}
        for live in list(self._manager.live.values()):
            for proc in live.runtime.graph.processors.values():
                stats = getattr(proc, "stats", None)
                if not isinstance(stats, PlayoutStats):
                    continue
                before = self._seen.get(id(stats), (0, 0))
                seen[id(stats)] = (stats.chunks, stats.late_ticks)
                chunks += stats.chunks - before[0]
                late += stats.late_ticks - before[1]
        self._seen = seen
        if chunks or late:
            self._ticks.append((now, chunks, late))

    def lag_ms(self) -> float:
        """Worst event-loop lag over the window, in ms."""
        return max((lag for _, lag in self._lags), default=0.0)

    def late_ratio(self) -> float:
        """Late playout ticks over ticks played, over the window (0 when nothing played)."""
        chunks = sum(c for _, c, _ in self._ticks)
        late = sum(x for _, _, x in self._ticks)
        return late / max(chunks, late, 1)

    def engines(self) -> ComponentHealth:
        """`starting` while preloading, then healthy with the preload figures."""
        if self.starting:
            waited = round(time.monotonic() - self._t0, 2)
            return ComponentHealth("engines", HealthStatus.STARTING, {"loading_s": waited})
        details = {"preload_s": self.preload_s, "nodes_ms": self.preload_ms}
        return ComponentHealth("engines", HealthStatus.HEALTHY, details)

    def load(self) -> ComponentHealth:
        """Degraded when the loop lags or playout runs late past the thresholds."""
        lag, ratio = self.lag_ms(), self.late_ratio()
        reasons = []
        if lag > self._limits.loop_lag_ms:
            reasons.append("event_loop_lag")
        if ratio > self._limits.playout_late_ratio:
            reasons.append("playout_late")
        status = HealthStatus.DEGRADED if reasons else HealthStatus.HEALTHY
        details = {"loop_lag_ms": round(lag, 1), "playout_late_ratio": round(ratio, 3), "reasons": reasons}
        return ComponentHealth("load", status, details, critical=False)
