"""classify_transcript: which transcripts read as a finished turn."""

from __future__ import annotations

import pytest

from voicegraph.processors.turn import TranscriptCompleteness, classify_transcript, ends_open

COMPLETE = TranscriptCompleteness.COMPLETE
UNFINISHED = TranscriptCompleteness.INCOMPLETE
UNKNOWN = TranscriptCompleteness.UNKNOWN


@pytest.mark.parametrize(
    "text",
    ["I want to book a table and", "Can I get the", "so I was thinking um", "I'd like to go to", "Well, I",
     "I think we should,", "Let me see...", "the weather in Paris is"],
)  # fmt: skip
def test_trailing_words_and_open_marks_read_as_unfinished(text: str) -> None:
    assert classify_transcript(text) is UNFINISHED


@pytest.mark.parametrize(
    "text", ["I want to book a table.", "What time is it?", "Stop!", "book a table for two."]
)
def test_terminal_punctuation_reads_as_finished(text: str) -> None:
    assert classify_transcript(text) is COMPLETE


@pytest.mark.parametrize("text", ["yes", "no thanks", "thank you", "okay", "Sounds good"])
def test_short_answers_read_as_finished_without_punctuation(text: str) -> None:
    assert classify_transcript(text) is COMPLETE


@pytest.mark.parametrize("text", ["book it", "seven"])
def test_a_few_unpunctuated_words_read_as_unfinished(text: str) -> None:
    assert classify_transcript(text) is UNFINISHED


def test_longer_unpunctuated_text_is_unknown() -> None:
    assert classify_transcript("book a table for two tonight") is UNKNOWN


def test_a_sentence_ending_in_a_conjunction_is_unfinished_even_with_a_period() -> None:
    assert classify_transcript("I went there and.") is UNFINISHED


@pytest.mark.parametrize("text", ["", "   ", "..."])
def test_empty_text_is_unknown(text: str) -> None:
    assert classify_transcript(text) is UNKNOWN


def test_few_words_threshold_is_configurable() -> None:
    assert classify_transcript("book a table", few_words=5) is UNFINISHED


def test_ends_open_is_only_about_the_closing_mark() -> None:
    assert ends_open("My number is five, five, five...") and ends_open("I want to. Um\u2026 ")
    assert ends_open("I think we should,") and ends_open("The address is -")
    assert not ends_open("I want to") and not ends_open("Wait.") and not ends_open("")
