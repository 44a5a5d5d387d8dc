"""Backend provider `livekit_worker`: voicegraph as a LiveKit agent worker (issue 17).

The server dispatches rooms to registered workers; each worker runs one voicegraph
session per user in the rooms it takes. See docs/scaling.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from voicegraph.backends.backend import BackendCapabilities
from voicegraph.backends.providers.livekit_worker.agent_socket import AgentSocket as AgentSocket
from voicegraph.backends.providers.livekit_worker.livekit_worker import LiveKitWorker as LiveKitWorker
from voicegraph.backends.providers.livekit_worker.worker_options import WorkerOptions as WorkerOptions
from voicegraph.backends.rate_limiter import RateLimiter
from voicegraph.transports.livekit.livekit_config import LiveKitConfig

if TYPE_CHECKING:
    from voicegraph.backends.session_manager import SessionManager
    from voicegraph.framework.frames.base import Frame


class LiveKitWorkerProvider:
    """Backend provider `livekit_worker` (pip extra `livekit`).

    Options: `WorkerOptions` fields (`agent_name`, `max_jobs`, `lag_full_ms`,
    `status_interval_s`, `idle_room_s`, `drain_timeout_s`, `ledger_url`, `fleet_max_sessions`,
    `fleet_rate`, `retry_grace_s`, `retry_window_s`, `server_target_load`...) and
    `LiveKitConfig` fields (`url`, `api_key`, `api_secret`, else LIVEKIT_URL /
    LIVEKIT_API_KEY / LIVEKIT_API_SECRET; `agent_identity`...). No `rooms`: the server
    decides which rooms this worker joins. With `ledger_url`, the config's `rate_limit`
    (per client, at admission) is kept in that Redis, so it holds across the fleet.
    """

    name: ClassVar[str] = "livekit_worker"
    capabilities: ClassVar[BackendCapabilities] = BackendCapabilities(
        persistence=False, min_latency_ms=40.0, codecs=("opus",)
    )
    operations: ClassVar[dict[type[Frame], str]] = {}

    def create(self, manager: SessionManager, options: dict[str, Any]) -> LiveKitWorker:
        """A worker whose sessions `manager` runs.

        Raises:
            VoiceError: (invalid_config) a bad option or an incomplete LiveKit config.
        """
        options = dict(options)
        worker = WorkerOptions.pop_from(options)
        ledger = None
        if worker.ledger_url:
            from voicegraph.backends.providers.livekit_worker.job_ledger import JobLedger

            ledger = JobLedger(
                worker.ledger_url, prefix=worker.ledger_prefix, heartbeat_s=worker.heartbeat_s,
                agent_name=worker.agent_name, retry_grace_s=worker.retry_grace_s,
                retry_window_s=worker.retry_window_s, target_load=worker.server_target_load,
            )  # fmt: skip
        lk = LiveKitWorker(manager, LiveKitConfig.from_env(**options), worker, ledger)
        local = manager.hooks.rate_limiter
        if worker.ledger_url and local is not None and type(local) is RateLimiter:
            from voicegraph.backends.providers.livekit_worker.redis_rate_limiter import RedisRateLimiter

            # the config's per-client connect limit holds across the fleet, not per process
            lk.shared_limiter = RedisRateLimiter(
                worker.ledger_url, prefix=worker.ledger_prefix, rate=local.rate, burst=local.burst
            )
            manager.hooks.rate_limiter = lk.shared_limiter
        if worker.ledger_url and (worker.fleet_max_sessions or worker.fleet_rate):
            from voicegraph.backends.providers.livekit_worker.fleet_limits import FleetLimits

            lk.rooms.fleet = FleetLimits(
                worker.ledger_url, prefix=worker.ledger_prefix, max_sessions=worker.fleet_max_sessions,
                rate=worker.fleet_rate, burst=worker.fleet_burst, stale_s=worker.heartbeat_s * 3,
            )  # fmt: skip
        return lk


__all__ = ["AgentSocket", "LiveKitWorker", "LiveKitWorkerProvider", "WorkerOptions"]
