"""ContextWindow: the history sent to the LLM stays within its budget without breaking tool rounds."""

from __future__ import annotations

from typing import Any

import pytest

from voicegraph.framework import ErrorCode, VoiceError
from voicegraph.processors.context import ConversationContext
from voicegraph.processors.memory import ContextWindow, message_size


def _turns(n: int, words: int = 20) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(n):
        out.append({"role": "user", "content": f"question {i} " + "word " * words})
        out.append({"role": "assistant", "content": f"answer {i} " + "word " * words})
    return out


def test_the_newest_messages_within_the_budget_are_kept() -> None:
    history = _turns(50)
    kept = ContextWindow(max_chars=2_000)(history)
    assert kept == history[-len(kept) :]
    assert sum(message_size(m) for m in kept) <= 2_000
    assert sum(message_size(m) for m in history[-len(kept) - 1 :]) > 2_000


def test_a_token_budget_is_estimated_from_characters() -> None:
    assert ContextWindow(max_chars=None, max_tokens=500).budget_chars == 2_000
    assert ContextWindow(max_chars=1_000, max_tokens=500).budget_chars == 1_000


def test_the_newest_user_message_is_kept_even_alone_over_budget() -> None:
    history = [*_turns(2), {"role": "user", "content": "x" * 5_000}]
    assert ContextWindow(max_chars=100)(history) == history[-1:]


def test_the_window_never_starts_with_orphaned_tool_results() -> None:
    call: dict[str, Any] = {"role": "assistant", "content": None, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}]}  # fmt: skip
    result: dict[str, Any] = {"role": "tool", "tool_call_id": "c1", "content": "r" * 300}
    history: list[dict[str, Any]] = [
        {"role": "user", "content": "look it up"},
        call,
        result,
        {"role": "user", "content": "thanks"},
    ]
    budget = message_size(result) + message_size(history[-1]) + 10  # fits the result, not its call
    assert ContextWindow(max_chars=budget)(history) == history[-1:]


def test_a_context_with_a_window_sends_the_system_prompt_and_the_trimmed_history() -> None:
    context = ConversationContext(
        system_prompt="Be kind.", messages=_turns(30), window=ContextWindow(max_chars=600)
    )
    messages = context.messages()
    assert messages[0] == {"role": "system", "content": "Be kind."}
    assert 1 < len(messages) < 61 and messages[-1]["content"].startswith("answer 29")


def test_a_non_positive_budget_is_invalid_config() -> None:
    with pytest.raises(VoiceError) as info:
        ContextWindow(max_chars=0)
    assert info.value.code is ErrorCode.INVALID_CONFIG
