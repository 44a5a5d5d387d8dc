"""CartesiaContext: chunks and word timestamps become audio pieces with words and texts."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from voicegraph.processors.tts.cartesia_context import CartesiaContext

RATE = 1000  # 1 sample per ms keeps the arithmetic readable


def context(*texts: str) -> CartesiaContext:
    ctx = CartesiaContext(cid="c", rate=RATE, epoch=0, opened_at=0.0)
    for text in texts:
        ctx.add_text(text, 0.0)
    return ctx


def chunk(ms: int) -> bytes:
    return b"\x01\x00" * ms


def test_words_land_in_the_piece_where_they_start_with_their_offset() -> None:
    ctx = context("Hello there.")
    ctx.add_timestamps(["Hello", "there."], [0.010, 0.120])
    first, second = ctx.place(chunk(100), timed=True), ctx.place(chunk(100), timed=True)
    assert [(p.text, p.words) for p in first] == [("Hello there.", (("Hello", 10.0),))]
    assert [(p.text, p.words) for p in second] == [("", (("there.", 20.0),))]


def test_a_chunk_is_split_where_the_next_text_begins() -> None:
    ctx = context("One.", "Two three.")
    ctx.add_timestamps(["One.", "Two", "three."], [0.0, 0.060, 0.080])
    pieces = ctx.place(chunk(100), timed=True)
    assert [len(p.data) // 2 for p in pieces] == [60, 40]
    assert [p.text for p in pieces] == ["One.", "Two three."]
    assert pieces[1].words == (("Two", 0.0), ("three.", 20.0))


def test_timestamps_that_come_late_go_on_the_next_piece_at_its_start() -> None:
    ctx = context("Late words.")
    ctx.place(chunk(100), timed=True)
    ctx.add_timestamps(["Late", "words."], [0.050, 0.150])
    pieces = ctx.place(chunk(100), timed=True)
    assert pieces[0].words == (("Late", 0.0), ("words.", 50.0))


def test_without_timestamps_each_text_rides_on_the_next_chunk() -> None:
    ctx = context("First.")
    assert [p.text for p in ctx.place(chunk(10), timed=False)] == ["First."]
    ctx.add_text("Second.", 0.0)
    assert [p.text for p in ctx.place(chunk(10), timed=False)] == ["Second."]
    assert [p.text for p in ctx.place(chunk(10), timed=False)] == [""]


@given(
    st.lists(st.integers(1, 400), min_size=1, max_size=8),
    st.lists(st.integers(0, 2000), min_size=1, max_size=12),
)
def test_pieces_keep_all_audio_and_every_word_once_in_order(sizes: list[int], starts_ms: list[int]) -> None:
    starts = sorted(starts_ms)
    words = [f"w{i}" for i in range(len(starts))]
    ctx = context(" ".join(words[:3]), *words[3:])
    ctx.add_timestamps(words, [s / 1000 for s in starts])
    audio, placed = b"", []
    for ms in sizes:
        for piece in ctx.place(chunk(ms), timed=True):
            audio += piece.data
            placed += [w for w, _ in piece.words]
    total = sum(sizes)
    assert audio == chunk(total)
    assert placed == [w for w, s in zip(words, starts, strict=True) if s < total]
