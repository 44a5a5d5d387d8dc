"""LLM frames: context snapshots and streamed tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from voicegraph.framework.frames.base import ControlFrame, DataFrame
from voicegraph.framework.frames.text import AnyTextFrame


@dataclass(frozen=True, slots=True, kw_only=True)
class LLMMessagesFrame(DataFrame):
    """Run the LLM on these chat messages (OpenAI message dicts)."""

    messages: tuple[dict[str, Any], ...]
    tools: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class LLMTextFrame(AnyTextFrame):
    """A streamed token or text delta of the LLM's reply (not yet split into sentences)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LLMResponseStartFrame(ControlFrame):
    """The LLM started answering."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LLMResponseEndFrame(ControlFrame):
    """The LLM finished answering; `usage` holds token counts when given."""

    usage: dict[str, int] = field(default_factory=dict)
