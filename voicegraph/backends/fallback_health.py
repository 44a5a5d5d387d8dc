"""The fallback chains' engine health as a `/health` component."""

from __future__ import annotations

from voicegraph.processors.fallback.engine_health import board
from voicegraph.transports.health_report import ComponentHealth, HealthStatus


def fallback_chains() -> ComponentHealth:
    """Component `fallback`: every live chain (one per session graph and slot) with its
    active engine, switch count and each engine's state, last error code, failures,
    recoveries and probes.

    Healthy when every engine of every chain is healthy; degraded when one has failed or
    is being probed (calls go on with the next engine); unhealthy (non-critical: the
    service reports degraded) when a chain has no healthy engine left. Add it with
    `backend.health_checks.append(fallback_chains)`.
    """
    chains = board.snapshot()
    status = HealthStatus.HEALTHY
    for chain in chains.values():
        states = [e["state"] for e in chain["engines"]]
        if "healthy" not in states:
            status = HealthStatus.UNHEALTHY
            break
        if any(s != "healthy" for s in states):
            status = HealthStatus.DEGRADED
    return ComponentHealth("fallback", status, {"chains": chains}, critical=False)
