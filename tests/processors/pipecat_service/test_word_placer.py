"""WordPlacer: Pipecat's timed words placed on the audio chunks they fall in."""

from __future__ import annotations

from voicegraph.processors.pipecat_service.word_placer import WordPlacer

MS = 1_000_000


def test_words_go_on_the_chunk_covering_their_offset_at_their_offset_within_it() -> None:
    placer = WordPlacer()
    base = 5_000 * MS  # the clock time the reply's audio started
    for word, at_ms in (("Hello", 0), ("there", 250), ("friend", 430)):
        placer.word("c1", word, base + at_ms * MS)
    assert placer.place("c1", 200.0) == (("Hello", 0.0),)
    assert placer.place("c1", 200.0) == (("there", 50.0),)
    assert placer.place("c1", 200.0) == (("friend", 30.0),)


def test_a_word_whose_chunk_already_went_out_goes_on_the_next_one_at_zero() -> None:
    placer = WordPlacer()
    placer.word("c1", "One", 0)
    assert placer.place("c1", 100.0) == (("One", 0.0),)
    assert placer.place("c1", 100.0) == ()
    placer.word("c1", "two", 50 * MS)  # its audio (at 50 ms) is already out
    assert placer.place("c1", 100.0) == (("two", 0.0),)


def test_contexts_are_kept_apart_and_forgotten() -> None:
    placer = WordPlacer()
    placer.word("a", "alpha", 10 * MS)
    placer.word("b", "beta", 99 * MS)
    placer.forget("a")
    assert placer.place("a", 50.0) == ()
    assert placer.place("b", 50.0) == (("beta", 0.0),)
    placer.word("b", "gamma", None)  # untimed: the next chunk
    placer.forget()
    assert placer.place("b", 50.0) == ()
