"""ReplyScript: rules, then the script, then the default; word tokens."""

from __future__ import annotations

from typing import Any

import pytest

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.agent.reply_script import ReplyScript, last_user_text, split_tokens


def _user(text: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": "be brief"}, {"role": "user", "content": text}]


def test_first_matching_rule_wins_case_insensitively() -> None:
    script = ReplyScript(rules=[(r"\bweather\b", "Sunny."), ("hello|hi", "Hello!"), ("weather", "never")])
    assert script.reply(_user("What's the WEATHER like?")) == "Sunny."
    assert script.reply(_user("hi there")) == "Hello!"


def test_script_lines_come_in_order_then_the_default() -> None:
    script = ReplyScript(script=["One.", "Two."], default="Done.")
    assert [script.reply(_user("x")) for _ in range(3)] == ["One.", "Two.", "Done."]


def test_looping_script_starts_over() -> None:
    script = ReplyScript(script=["A", "B"], loop=True)
    assert [script.reply(_user("x")) for _ in range(3)] == ["A", "B", "A"]


def test_user_placeholder_echoes_the_last_user_message() -> None:
    assert ReplyScript(default="You said: {user}").reply(_user(" good morning ")) == "You said: good morning"


def test_last_user_text_reads_text_parts_and_skips_other_roles() -> None:
    messages: list[dict[str, Any]] = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "look"},
                {"type": "image_url"},
                {"type": "text", "text": "here"},
            ],
        },
        {"role": "assistant", "content": "ok"},
    ]
    assert (last_user_text(messages), last_user_text([])) == ("look here", "")


def test_tokens_keep_their_leading_space_and_join_back() -> None:
    assert split_tokens("Hi there,  friend!") == ["Hi", " there,", "  friend!"]


def test_invalid_rule_pattern_is_invalid_config() -> None:
    with pytest.raises(VoiceError) as info:
        ReplyScript(rules={"(unclosed": "x"})
    assert info.value.code is ErrorCode.INVALID_CONFIG
