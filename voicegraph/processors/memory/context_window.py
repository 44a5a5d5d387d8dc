"""ContextWindow: keeps the history sent to the LLM within a character or token budget."""

from __future__ import annotations

from typing import Any

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.memory.message_size import message_size


class ContextWindow:
    """Trims a history (system message excluded) to its newest messages within a budget.

    The newest user message is always kept, even alone over budget. The window never
    starts inside a tool round: `tool` messages whose assistant `tool_calls` message
    was cut are dropped too, since providers reject orphaned tool results. Tokens are
    estimated as characters / `chars_per_token` (about 4 for English). I/O-free; pass
    it as `ConversationContext(window=...)`. Older messages are not lost: they stay in
    the context and in memory (see `SessionMemory` for summaries).

    Args:
        max_chars: budget in characters.
        max_tokens: budget in estimated tokens (the smaller of the two budgets applies).
        chars_per_token: characters per token for the estimate.

    Raises:
        VoiceError: (invalid_config) a budget is not positive.
    """

    def __init__(
        self, *, max_chars: int | None = 24_000, max_tokens: int | None = None, chars_per_token: float = 4.0
    ) -> None:
        budgets = [b for b in (max_chars, int(max_tokens * chars_per_token) if max_tokens else None) if b]
        if not budgets or min(budgets) <= 0 or chars_per_token <= 0:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "context window budget must be positive")
        self.budget_chars = min(budgets)

    def __call__(self, history: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The newest messages of `history` that fit the budget."""
        last_user = max((i for i, m in enumerate(history) if m.get("role") == "user"), default=len(history))
        start = len(history)
        used = 0
        while start > 0:
            size = message_size(history[start - 1])
            if used + size > self.budget_chars and start <= last_user:
                break
            used += size
            start -= 1
        while start < len(history) and history[start].get("role") == "tool":
            start += 1
        return history[start:]
