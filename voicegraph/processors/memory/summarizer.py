"""Summarizer: turns messages compacted out of a long call into a running summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from voicegraph.processors.context.message_content import content_text

if TYPE_CHECKING:
    from collections.abc import Sequence


class Summarizer(Protocol):
    """Folds `messages` (the oldest, about to leave the context) into `summary`."""

    async def summarize(self, summary: str, messages: Sequence[dict[str, Any]]) -> str:
        """The new summary."""
        ...


class ExtractiveSummarizer:
    """A model-free summary: one shortened `Role: text` line per message, newest kept.

    Lines are cut to `line_chars` and the whole summary to its last `max_chars`, so it
    has a fixed ceiling however long the call runs. Deterministic and instant; use
    `LLMSummarizer` for an abstractive summary.
    """

    def __init__(self, *, line_chars: int = 160, max_chars: int = 2_000) -> None:
        self.line_chars = line_chars
        self.max_chars = max_chars

    async def summarize(self, summary: str, messages: Sequence[dict[str, Any]]) -> str:
        lines = [summary] if summary else []
        for m in messages:
            role = str(m.get("role", "?"))
            text = " ".join(content_text(m).split())
            if role == "assistant" and m.get("tool_calls"):
                names = ", ".join(str(c.get("function", {}).get("name", "?")) for c in m["tool_calls"])
                text = f"(called {names}) {text}".strip()
            if not text:
                continue
            if len(text) > self.line_chars:
                text = text[: self.line_chars - 3].rstrip() + "..."
            lines.append(f"{role.capitalize()}: {text}")
        out = "\n".join(lines)
        if len(out) > self.max_chars:
            out = out[-self.max_chars :]
            out = out[out.find("\n") + 1 :] if "\n" in out else out
        return out
