"""HealthReport: healthy, degraded or unhealthy, with the details that led there."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping


class HealthStatus(enum.StrEnum):
    """Overall health, worst first when compared by `severity`."""

    HEALTHY = "healthy"
    DEGRADED = "degraded"
    UNHEALTHY = "unhealthy"

    @property
    def severity(self) -> int:
        """0 healthy, 1 degraded, 2 unhealthy."""
        return ("healthy", "degraded", "unhealthy").index(self.value)


@dataclass(frozen=True, slots=True)
class HealthReport:
    """A health check's outcome: `status` and one entry per thing checked."""

    status: HealthStatus
    details: Mapping[str, object] = field(default_factory=dict)
    """E.g. {"server": "ok (3.1 ms)", "rooms": {"room-a": "connected"}, "sessions": 2}."""
    problems: tuple[str, ...] = ()
    """One line per reason the status is not healthy."""

    @property
    def healthy(self) -> bool:
        """Whether the status is `healthy`."""
        return self.status is HealthStatus.HEALTHY

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form (e.g. for an HTTP health endpoint)."""
        return {"status": str(self.status), "details": dict(self.details), "problems": list(self.problems)}
