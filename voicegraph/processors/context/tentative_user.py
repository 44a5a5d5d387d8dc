"""TentativeUser: a user turn in the history that may still be taken back (preemptive replies)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class TentativeUser:
    """A user message added before the turn is confirmed, so a reply can be prepared.

    It reads as an ordinary user message, but counts as unsettled: it is neither
    persisted nor compacted until confirmed, so taking it back leaves no trace.
    """

    content: str | list[dict[str, Any]]

    def message(self) -> dict[str, Any]:
        """The user message it stands for."""
        return {"role": "user", "content": self.content}
