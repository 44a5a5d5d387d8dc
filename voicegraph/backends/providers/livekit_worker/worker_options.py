"""WorkerOptions: a LiveKit agent worker's settings (backend options of `livekit_worker`)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from voicegraph.framework.errors import ErrorCode, VoiceError


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    """How a worker registers, how much it takes and how it reports load."""

    agent_name: str = ""
    """"" registers for automatic dispatch (every new room); a name for explicit dispatch."""
    max_jobs: int = 20
    """Rooms at once; at this count the worker reports WS_FULL and refuses jobs."""
    lag_full_ms: float = 100.0
    """Mean event-loop lag (over 3 s) at which the worker reports WS_FULL (load 1.0)."""
    status_interval_s: float = 2.5
    """Between two UpdateWorkerStatus messages (also sent at once when a job starts or ends)."""
    ping_interval_s: float = 10.0
    """Between two WorkerPing messages."""
    idle_room_s: float = 60.0
    """A job whose room has no user for this long ends (JS_SUCCESS)."""
    drain_timeout_s: float = 600.0
    """On SIGTERM, how long calls in progress may go on before the worker stops anyway."""
    ledger_url: str = ""
    """redis://... to record jobs so that survivors re-dispatch a dead worker's rooms ("" off)."""
    ledger_prefix: str = "voicegraph:lkjobs"
    """Key prefix of the job ledger."""
    fleet_max_sessions: int = 0
    """Sessions at once across every worker sharing `ledger_url` (0: no fleet limit)."""
    fleet_rate: float = 0.0
    """New sessions per second across the fleet (0: no fleet rate limit)."""
    fleet_burst: float = 5.0
    """New sessions allowed back to back across the fleet."""
    heartbeat_s: float = 1.0
    """Between two liveness marks in the ledger; a worker is dead after 3 missed."""
    retry_grace_s: float = 3.0
    """With a ledger: a room the server placed on no worker (all full) is dispatched again this
    long after its last dispatch, by a worker with a free slot."""
    retry_window_s: float = 120.0
    """With a ledger: how long after its first unplaced dispatch a room is retried (0: never)."""
    server_target_load: float = 0.7
    """The server's `agents.target_load`: it places jobs only while a worker reports less, so
    a worker retries unserved rooms only while its own load is under it."""

    @classmethod
    def pop_from(cls, options: dict[str, Any]) -> WorkerOptions:
        """Take this class's keys out of a provider's `options` (the rest is `LiveKitConfig`'s).

        Raises:
            VoiceError: (invalid_config) a value of the wrong type or out of range.
        """
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name in options:
                values[f.name] = options.pop(f.name)
        try:
            out = cls(**values)
            numbers = (out.max_jobs, out.lag_full_ms, out.status_interval_s, out.ping_interval_s,
                       out.idle_room_s, out.heartbeat_s, out.retry_grace_s)  # fmt: skip
            if not isinstance(out.agent_name, str) or any(float(v) <= 0 for v in numbers):
                raise ValueError("agent_name must be text and every limit positive")
            if not 0 < float(out.server_target_load) <= 1:
                raise ValueError("server_target_load must be in (0, 1]")
            if float(out.retry_window_s) < 0:
                raise ValueError("retry_window_s must be 0 (off) or positive")
        except (TypeError, ValueError) as exc:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"livekit_worker options: {exc}") from None
        return out
