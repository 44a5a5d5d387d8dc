"""DailyRoom: a room as Daily's REST API describes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class DailyRoom:
    """A Daily room (the REST room object, protocols/daily.md §1)."""

    name: str
    url: str
    """`https://<domain>.daily.co/<name>`: what the agent and the users join."""
    id: str = ""
    privacy: str = "public"
    created_at: str = ""
    """ISO-8601 creation time."""
    config: dict[str, Any] = field(default_factory=dict)
    """The room's properties (e.g. `exp`, `enable_chat`)."""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DailyRoom:
        """From the API's room object (unknown keys ignored)."""
        return cls(
            name=str(data.get("name", "")), url=str(data.get("url", "")), id=str(data.get("id", "")),
            privacy=str(data.get("privacy", "public")), created_at=str(data.get("created_at", "")),
            config=dict(data.get("config") or {}),
        )  # fmt: skip

    @property
    def expires_at(self) -> int | None:
        """The room's `exp` (unix seconds), if it has one."""
        exp = self.config.get("exp")
        return int(exp) if isinstance(exp, int | float) else None
