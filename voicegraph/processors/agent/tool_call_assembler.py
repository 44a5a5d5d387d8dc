"""ToolCallAssembler: joins streamed tool-call deltas into complete calls, keyed by index."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.agent.chat_events import ToolCall


@dataclass(slots=True)
class _Partial:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class ToolCallAssembler:
    """Accumulates `delta.tool_calls` entries per `index`; `complete()` returns the calls.

    OpenAI sends `id`, `type` and `function.name` on the first delta of an index and only
    argument fragments afterwards; Ollama sends each call whole in one delta. Both fold
    into the same result: the first non-empty `id`/`name` wins, fragments are concatenated
    in arrival order. I/O-free; no latency beyond the end of the call.
    """

    def __init__(self) -> None:
        self._calls: dict[int, _Partial] = {}

    def __bool__(self) -> bool:
        return bool(self._calls)

    def add(self, delta: Any, position: int = 0) -> None:
        """Fold one tool-call delta in; `position` stands in for a missing `index`.

        Raises:
            VoiceError: (protocol_error) the delta is not shaped like a tool-call delta.
        """
        if not isinstance(delta, dict):
            raise VoiceError(ErrorCode.PROTOCOL_ERROR, "tool call delta is not an object")
        index = delta.get("index", position)
        function = delta.get("function") or {}
        if not isinstance(index, int) or not isinstance(function, dict):
            raise VoiceError(ErrorCode.PROTOCOL_ERROR, "tool call delta has a bad index or function")
        part = self._calls.setdefault(index, _Partial())
        part.id = part.id or _text(delta.get("id"))
        part.name = part.name or _text(function.get("name"))
        part.arguments.append(_text(function.get("arguments")))

    def add_function_call(self, delta: Any) -> None:
        """Fold in a deprecated single `function_call` delta (index 0, no id)."""
        self.add({"index": 0, "function": delta} if isinstance(delta, dict) else delta)

    def complete(self) -> list[ToolCall]:
        """The assembled calls in index order; the assembler is empty afterwards."""
        calls = [
            ToolCall(index=i, id=p.id, name=p.name, arguments="".join(p.arguments))
            for i, p in sorted(self._calls.items())
        ]
        self._calls.clear()
        return calls


def _text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise VoiceError(ErrorCode.PROTOCOL_ERROR, f"expected a string in a tool call delta, got {value!r}")
    return value
