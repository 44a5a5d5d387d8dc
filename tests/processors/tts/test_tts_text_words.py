"""TextWords: an engine's timed words spelled as the text spells them, each once."""

from __future__ import annotations

from voicegraph.processors.tts.word_timing import TextWords


def test_engine_pieces_of_a_word_are_dropped_and_skipped_words_share_the_next_start() -> None:
    spelling = TextWords("at 3.5 degrees, said Smith's dog")
    got = spelling.spell([("at", 0.0), ("3.5", 10.0), (".5", 20.0), ("degrees", 30.0)])
    got += spelling.spell([("Smith", 50.0), ("dog", 60.0)])
    assert got == (
        ("at", 0.0), ("3.5", 10.0), ("degrees,", 30.0), ("said", 50.0), ("Smith's", 50.0), ("dog", 60.0),
    )  # fmt: skip


def test_words_already_spelled_as_the_text_pass_unchanged() -> None:
    timed = [("Dr.", 0.0), ("Smith's", 120.0), ("car.", 400.0)]
    assert TextWords("Dr. Smith's car.").spell(timed) == tuple(timed)


def test_a_word_no_text_word_starts_with_is_dropped() -> None:
    assert TextWords("hello there").spell([("zzz", 0.0), ("hello", 5.0)]) == (("hello", 5.0),)
