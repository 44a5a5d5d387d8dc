"""Word timing helpers for engines that give phoneme durations (Piper)."""

from __future__ import annotations

from voicegraph.processors.tts.word_timing import share_words, word_starts


def test_words_are_shared_exactly_when_counts_match() -> None:
    assert share_words(["a", "b", "c", "d"], [1, 3]) == [["a"], ["b", "c", "d"]]


def test_words_are_shared_in_proportion_when_counts_differ() -> None:
    groups = share_words(["Dr.", "Smith", "costs", "3.5", "dollars."], [1, 8])
    assert [w for g in groups for w in g] == ["Dr.", "Smith", "costs", "3.5", "dollars."]
    assert len(groups[0]) <= 1


def test_phoneme_word_starts_are_used_when_counts_match() -> None:
    assert word_starts(["hi", "there"], [100, 900], 80, 2000) == [("hi", 100), ("there", 900)]


def test_without_matching_starts_words_are_spread_by_their_length() -> None:
    timed = word_starts(["a", "bbbbbbb"], [], 1000, 2000)
    assert timed == [("a", 1000), ("bbbbbbb", 1200)]
