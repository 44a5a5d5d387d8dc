"""Chat stream events: what a streamed chat completion yields, one small dataclass each."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from voicegraph.framework.errors import ErrorCode, VoiceError


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of assistant text, in arrival order."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One complete tool call, assembled from its deltas (fragments joined per `index`)."""

    index: int
    id: str
    name: str
    arguments: str
    """The raw JSON argument string, exactly as streamed."""

    def parsed_arguments(self) -> dict[str, Any]:
        """The arguments as a JSON object; empty arguments give `{}`.

        Raises:
            VoiceError: (protocol_error) the arguments are not a JSON object.
        """
        if not self.arguments.strip():
            return {}
        try:
            value = json.loads(self.arguments)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise VoiceError(ErrorCode.PROTOCOL_ERROR, f"tool {self.name!r}: arguments are not a JSON object")
        return value


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts from the usage chunk."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counts as a plain dict (for `LLMResponseEndFrame.usage`)."""
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }


@dataclass(frozen=True, slots=True)
class Finish:
    """The choice finished: `stop`, `length`, `tool_calls`, `content_filter`..."""

    reason: str


ChatEvent = TextDelta | ToolCall | Usage | Finish
"""Anything a chat stream yields."""
