"""HealthReport: a service's health from its components' — healthy, degraded, unhealthy or starting.

The one health model of the package: a backend's `/health` (`backends.HealthServer`)
and a transport's own check (`LiveKitTransport.health()`) both answer with it. It sits
in `transports/`, the lowest layer that reports health, so both can import it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class HealthStatus(enum.StrEnum):
    """Overall or per-component health, best first."""

    HEALTHY = "healthy"
    DEGRADED = "degraded"
    UNHEALTHY = "unhealthy"
    STARTING = "starting"
    """Not serving yet (engines loading): 503, like unhealthy, but expected to clear."""

    @property
    def available(self) -> bool:
        """Whether the service takes traffic in this state (healthy or degraded)."""
        return self not in (HealthStatus.UNHEALTHY, HealthStatus.STARTING)


_RANK = {
    HealthStatus.HEALTHY: 0,
    HealthStatus.DEGRADED: 1,
    HealthStatus.UNHEALTHY: 2,
    HealthStatus.STARTING: 3,
}


@dataclass(frozen=True, slots=True)
class ComponentHealth:
    """One component's status with the details that explain it.

    `critical` components make the whole service unhealthy when they are; others only
    degrade it.
    """

    name: str
    status: HealthStatus
    details: dict[str, Any] = field(default_factory=dict)
    critical: bool = True


@dataclass(frozen=True, slots=True)
class HealthReport:
    """The service's health: the worst component status (non-critical ones at most degrade)."""

    status: HealthStatus
    components: tuple[ComponentHealth, ...]

    @classmethod
    def of(cls, components: list[ComponentHealth]) -> HealthReport:
        """Combine component statuses."""
        worst = HealthStatus.HEALTHY
        for c in components:
            status = c.status
            if not c.critical and not status.available:
                status = HealthStatus.DEGRADED
            if _RANK[status] > _RANK[worst]:
                worst = status
        return cls(worst, tuple(components))

    @property
    def healthy(self) -> bool:
        """Whether the status is `healthy`."""
        return self.status is HealthStatus.HEALTHY

    def component(self, name: str) -> ComponentHealth:
        """The component called `name`.

        Raises:
            KeyError: no such component.
        """
        for c in self.components:
            if c.name == name:
                return c
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: `{"status": ..., "components": {name: {"status": ..., **details}}}`."""
        return {
            "status": str(self.status),
            "components": {c.name: {"status": str(c.status), **c.details} for c in self.components},
        }
