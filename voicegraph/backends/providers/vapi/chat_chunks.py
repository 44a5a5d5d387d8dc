"""OpenAI chat-completion bodies the custom-LLM endpoint answers with (chunks and whole)."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from voicegraph.processors.agent.chat_events import ToolCall


@dataclass(slots=True)
class ChatChunks:
    """Builds `chat.completion.chunk` objects of one reply (same id and created time)."""

    model: str
    id: str = field(default_factory=lambda: f"chatcmpl-{uuid.uuid4().hex[:24]}")
    created: int = field(default_factory=lambda: int(time.time()))

    def chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        """One chunk with one choice."""
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {
            "id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model,
            "choices": [choice],
        }  # fmt: skip

    def role(self) -> dict[str, Any]:
        """The first chunk: the assistant role, empty content."""
        return self.chunk({"role": "assistant", "content": ""})

    def text(self, text: str) -> dict[str, Any]:
        """A content delta."""
        return self.chunk({"content": text})

    def tool_calls(self, calls: tuple[ToolCall, ...]) -> dict[str, Any]:
        """The model's tool calls, whole, in one delta."""
        return self.chunk({"tool_calls": [_call(i, c) for i, c in enumerate(calls)]})

    def finish(self, reason: str) -> dict[str, Any]:
        """The last chunk with a choice: `stop` or `tool_calls`."""
        return self.chunk({}, reason)

    def completion(self, text: str, calls: tuple[ToolCall, ...], usage: dict[str, int]) -> dict[str, Any]:
        """The non-streaming `chat.completion`."""
        message: dict[str, Any] = {"role": "assistant", "content": text or None}
        if calls:
            message["tool_calls"] = [
                {k: v for k, v in _call(i, c).items() if k != "index"} for i, c in enumerate(calls)
            ]
        choice = {
            "index": 0,
            "message": message,
            "logprobs": None,
            "finish_reason": "tool_calls" if calls else "stop",
        }
        return {
            "id": self.id, "object": "chat.completion", "created": self.created, "model": self.model,
            "choices": [choice], "usage": usage or dict.fromkeys(_USAGE, 0),
        }  # fmt: skip


_USAGE = ("prompt_tokens", "completion_tokens", "total_tokens")


def sse(obj: dict[str, Any] | str) -> bytes:
    """One server-sent event: `data: <json>` and a blank line (`[DONE]` as is)."""
    data = obj if isinstance(obj, str) else json.dumps(obj, separators=(",", ":"))
    return f"data: {data}\n\n".encode()


def _call(index: int, call: ToolCall) -> dict[str, Any]:
    return {
        "index": index, "id": call.id or f"call_{uuid.uuid4().hex[:16]}", "type": "function",
        "function": {"name": call.name, "arguments": call.arguments},
    }  # fmt: skip
