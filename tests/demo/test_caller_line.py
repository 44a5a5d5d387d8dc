"""The caller script format: one line per utterance, with barge-in and pause tags."""

from __future__ import annotations

import pytest

from voicegraph.demo.caller_line import CallerLine, parse_script
from voicegraph.framework.errors import ErrorCode, VoiceError


def test_each_text_line_is_a_caller_line_waiting_for_the_reply() -> None:
    assert parse_script("# greeting\nHello there.\n\nHow are you?\n") == [
        CallerLine("Hello there."),
        CallerLine("How are you?"),
    ]


def test_barge_in_tag_speaks_that_long_after_the_bot_starts() -> None:
    assert parse_script("[barge-in 1.5] Stop, please.") == [CallerLine("Stop, please.", barge_in_s=1.5)]


def test_pause_tag_sets_the_silence_before_the_line() -> None:
    assert parse_script("[pause 2s] Anyone there?") == [CallerLine("Anyone there?", pause_s=2.0)]


@pytest.mark.parametrize("text", ["[shout 2] Hello", "[barge-in] Hello", "[pause 1]", "# only a comment"])
def test_bad_scripts_are_invalid_input(text: str) -> None:
    with pytest.raises(VoiceError) as err:
        parse_script(text)
    assert err.value.code is ErrorCode.INVALID_INPUT
