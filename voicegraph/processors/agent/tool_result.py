"""ToolResult: the outcome of one tool call, as fed back to the model."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ToolResult:
    """What one tool call returned (or why it failed), as the `tool` message content.

    `content` is the JSON (or text) sent back to the model; `error` is set when the tool
    failed, timed out or was unknown, with an `ErrorCode` value (the model is told so and
    may try again or answer without it).
    """

    call_id: str
    name: str
    content: str
    error: str = ""
    elapsed_ms: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the tool ran and returned."""
        return not self.error
