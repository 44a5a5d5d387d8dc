"""SentenceSplitter: where streamed text is cut into speakable pieces."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voicegraph.processors.text import SentenceSplitter


def split_streamed(text: str, step: int = 3, **kwargs: int) -> list[str]:
    """Feed `text` in `step`-character pieces, as an LLM streams, then flush."""
    splitter = SentenceSplitter(**kwargs)
    pieces: list[str] = []
    for i in range(0, len(text), step):
        pieces += splitter.push(text[i : i + step])
    rest = splitter.flush()
    return pieces + ([rest] if rest else [])


def test_sentences_are_cut_at_their_terminators() -> None:
    text = "The sky is blue today. Is it raining? No, it is not! Good."
    pieces = split_streamed(text, first_clause_words=0)
    assert pieces == ["The sky is blue today.", "Is it raining?", "No, it is not!", "Good."]


def test_a_sentence_is_held_until_the_text_after_its_period_arrives() -> None:
    splitter = SentenceSplitter()
    assert splitter.push("It costs 3.") == []
    assert splitter.push("5 dollars. Then") == ["It costs 3.5 dollars."]


def test_decimal_numbers_do_not_end_a_sentence() -> None:
    assert split_streamed("Pi is about 3.14159 and e is 2.718. Nice.", first_clause_words=0) == [
        "Pi is about 3.14159 and e is 2.718.",
        "Nice.",
    ]


def test_titles_do_not_end_a_sentence() -> None:
    pieces = split_streamed("Dr. Smith and Mrs. Jones met Prof. Brown. They talked.", first_clause_words=0)
    assert pieces == ["Dr. Smith and Mrs. Jones met Prof. Brown.", "They talked."]


def test_initials_and_latin_abbreviations_do_not_end_a_sentence() -> None:
    pieces = split_streamed("Books by J. K. Rowling, e.g. this one, sell well. Yes.", first_clause_words=0)
    assert pieces == ["Books by J. K. Rowling, e.g. this one, sell well.", "Yes."]


def test_a_trailing_abbreviation_ends_a_sentence_only_before_a_capital() -> None:
    pieces = split_streamed("We open at 9 a.m. every day. We close at 5 p.m. See you.", first_clause_words=0)
    assert pieces == ["We open at 9 a.m. every day.", "We close at 5 p.m.", "See you."]


def test_the_pronoun_i_ends_a_sentence() -> None:
    assert split_streamed("Neither do I. Then we agree.", first_clause_words=0) == [
        "Neither do I.",
        "Then we agree.",
    ]


def test_the_first_piece_ends_early_at_a_clause_after_enough_words() -> None:
    text = "Well, I looked at your calendar carefully, and you are free on Monday, Tuesday and Friday."
    pieces = split_streamed(text, first_clause_words=4)
    assert pieces == [
        "Well, I looked at your calendar carefully,",
        "and you are free on Monday, Tuesday and Friday.",
    ]


def test_only_the_first_piece_after_a_reset_ends_at_a_clause() -> None:
    splitter = SentenceSplitter(first_clause_words=2)
    assert splitter.push("One two three, four five. Six seven eight, nine ") == [
        "One two three,",
        "four five.",
    ]
    splitter.reset()
    assert splitter.push("Ten eleven twelve, thirteen ") == ["Ten eleven twelve,"]


def test_ellipses_and_closing_quotes_stay_with_their_sentence() -> None:
    pieces = split_streamed('He said "stop." Then... silence. (Really?) Yes.', first_clause_words=0)
    assert pieces == ['He said "stop."', "Then...", "silence.", "(Really?)", "Yes."]


def test_a_run_on_text_is_cut_at_the_word_limit() -> None:
    words = " ".join(f"w{i}" for i in range(25))
    pieces = split_streamed(words + " ", max_words=10, first_clause_words=0)
    assert [len(p.split()) for p in pieces] == [10, 10, 5]


def test_only_the_first_piece_is_capped_by_first_max_words() -> None:
    text = "Paris has many bridges and museums. It is a city of many bridges and museums. "
    pieces = split_streamed(text, first_max_words=3, first_clause_words=2)
    assert pieces == ["Paris has many", "bridges and museums.", "It is a city of many bridges and museums."]


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("The capital of France is Paris. ", "The capital of France"),  # not "... of"
        ("It will be sunny tomorrow. ", "It will be sunny"),
        ("I think that the answer is four. ", "I think that the answer"),  # grows by 3 at most
        ("I think that the a an of to the end. ", "I think that the a an"),  # then cut anyway
    ],
)
def test_a_capped_first_piece_does_not_end_on_a_word_that_leads_on(text: str, first: str) -> None:
    assert split_streamed(text, first_max_words=3, first_clause_words=2, first_stretch=3)[0] == first
    assert len(split_streamed(text, first_max_words=3, first_clause_words=2)[0].split()) == 3  # off


def test_a_capped_first_piece_waits_for_the_word_that_ends_its_phrase() -> None:
    splitter = SentenceSplitter(first_max_words=3, first_stretch=3)
    assert splitter.push("The capital of ") == []
    assert splitter.push("France ") == []  # "France" may still be growing: "Frances..."
    assert splitter.push("is ") == ["The capital of France"]


def test_a_short_first_sentence_is_not_cut_by_first_max_words() -> None:
    assert split_streamed("Yes. I can help. ", first_max_words=3) == ["Yes.", "I can help."]


def test_flush_returns_the_unterminated_rest_once() -> None:
    splitter = SentenceSplitter()
    splitter.push("no punctuation here")
    assert splitter.flush() == "no punctuation here"
    assert splitter.flush() == ""


@given(st.text(alphabet="ab .,?!3\n", max_size=80), st.integers(min_value=1, max_value=7))
def test_splitting_keeps_every_word_in_order(text: str, step: int) -> None:
    pieces = split_streamed(text, step=step)
    assert " ".join(pieces).split() == text.split()
