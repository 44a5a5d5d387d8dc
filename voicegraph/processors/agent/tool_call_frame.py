"""LLMToolCallFrame: the tool calls of one LLM step, with their results when the node ran them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from voicegraph.framework.frames.base import ControlFrame

if TYPE_CHECKING:
    from voicegraph.processors.agent.chat_events import ToolCall
    from voicegraph.processors.agent.tool_result import ToolResult


@dataclass(frozen=True, slots=True, kw_only=True)
class LLMToolCallFrame(ControlFrame):
    """The tool calls the model asked for, assembled from their streamed deltas.

    Sent after each step's text and before `LLMResponseEndFrame`. When the agent node
    ran the tools itself (it has a tool registry), `results` holds their outcomes and
    `messages` the chat messages of the round (the assistant `tool_calls` message and
    one `tool` message per call) for the conversation context. A control frame: tool
    rounds happened (with their side effects) even if the reply is then interrupted.
    """

    calls: tuple[ToolCall, ...]
    results: tuple[ToolResult, ...] = ()
    messages: tuple[dict[str, Any], ...] = ()
