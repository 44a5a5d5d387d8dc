"""LLMToolCallFrame: the complete tool calls of one LLM response (execution comes later)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from voicegraph.framework.frames.base import DataFrame

if TYPE_CHECKING:
    from voicegraph.processors.agent.chat_events import ToolCall


@dataclass(frozen=True, slots=True, kw_only=True)
class LLMToolCallFrame(DataFrame):
    """The tool calls the model asked for, assembled from their streamed deltas.

    Sent once per response, after its text and before `LLMResponseEndFrame`.
    """

    calls: tuple[ToolCall, ...]
