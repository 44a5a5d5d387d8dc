"""What the fake realtime server says: one scripted turn per user turn, in order."""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ScriptedTurn:
    """The fake model's side of one user turn.

    Attributes:
        reply: what the model says (synthesized to real speech).
        transcript: what the "transcription model" reports the user said.
        tool_call: (name, JSON arguments) the model calls before replying.
        after_tool: the reply once the tool output is back; `{field}` placeholders are
            filled from the output's JSON object (or `{output}` with the raw text).
    """

    reply: str = "Hello there."
    transcript: str = ""
    tool_call: tuple[str, str] | None = None
    after_tool: str = "Done: {output}."

    def reply_after_tool(self, output: str) -> str:
        """The reply once `output` came back from the tool."""
        try:
            fields = json.loads(output)
        except ValueError:
            fields = None
        values = fields if isinstance(fields, dict) else {}
        try:
            return self.after_tool.format(output=output, **values)
        except (KeyError, IndexError):
            return self.after_tool


@dataclass
class RealtimeScript:
    """The turns, in order; past the end, the last turn repeats (or `fallback` if empty)."""

    turns: list[ScriptedTurn] = field(default_factory=list)
    fallback: ScriptedTurn = field(default_factory=ScriptedTurn)

    def turn(self, index: int) -> ScriptedTurn:
        """The turn answering user turn `index` (0-based)."""
        if not self.turns:
            return self.fallback
        return self.turns[min(max(index, 0), len(self.turns) - 1)]
