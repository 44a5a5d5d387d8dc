"""I/O-free playout cores: chunking with text, reply accounting, marks."""

from __future__ import annotations

from voicegraph.framework.formats import PCM16K
from voicegraph.transports.playout_chunker import PlayoutChunker, SpokenText
from voicegraph.transports.playout_mark import mark_name, parse_mark
from voicegraph.transports.reply_ledger import ReplyLedger
from voicegraph.transports.reply_tracker import ReplyTracker

MS = 1_000_000


def test_chunker_places_text_at_the_byte_where_its_audio_starts() -> None:
    chunker = PlayoutChunker(PCM16K, 20)
    assert chunker.push(bytes(480), epoch=0) == []  # 15 ms held back
    chunks = chunker.push(bytes(960), epoch=0, text="hi")  # starts 15 ms into the stream
    assert [len(c.data) for c in chunks] == [640, 640]
    assert chunks[0].texts == (SpokenText(15 * MS, "hi"),)
    assert chunker.pending_ns == 5 * MS


def test_rest_drops_a_trailing_partial_sample() -> None:
    chunker = PlayoutChunker(PCM16K, 20)
    chunker.push(bytes(101), epoch=3)
    rest = chunker.rest()
    assert rest is not None and len(rest.data) == 100 and rest.epoch == 3


def test_marks_round_trip_and_foreign_names_are_ignored() -> None:
    assert parse_mark(mark_name(7, 120 * MS, end=True)) == (7, 120 * MS, True)
    assert parse_mark("vg.².1") is None and parse_mark("greeting") is None


def _ledger_with_one_reply(marks: bool) -> ReplyLedger:
    ledger = ReplyLedger(marks=marks)
    reply = ledger.open("r", explicit=True)
    chunker = PlayoutChunker(PCM16K, 20)
    for k, chunk in enumerate(chunker.push(bytes(640 * 5), epoch=0, text="a b c d e")):
        reply.on_chunk(chunk, start_ns=k * 20 * MS)
    return ledger


def test_without_marks_a_finished_reply_is_reported_at_once() -> None:
    done = _ledger_with_one_reply(marks=False).finish()
    assert not isinstance(done, str) and done is not None
    assert (done.played_ns, done.total_ns, done.text_played) == (100 * MS, 100 * MS, "a b c d e")


def test_with_marks_a_finished_reply_waits_for_its_end_mark() -> None:
    ledger = _ledger_with_one_reply(marks=True)
    end = ledger.finish()
    assert isinstance(end, str) and ledger.awaiting
    assert ledger.echo(mark_name(1, 40 * MS)) is None
    report = ledger.echo(end)
    assert report is not None and not report.interrupted and not ledger.awaiting


def test_with_marks_a_cut_reports_only_the_confirmed_position() -> None:
    ledger = _ledger_with_one_reply(marks=True)
    ledger.echo(mark_name(1, 40 * MS))
    (report,) = ledger.cut(now_ns=90 * MS, queued_ns=0, later=())
    assert (report.played_ns, report.text_played, report.interrupted) == (40 * MS, "a b", True)


def test_without_marks_a_cut_uses_the_clock() -> None:
    ledger = _ledger_with_one_reply(marks=False)
    (report,) = ledger.cut(now_ns=90 * MS, queued_ns=50 * MS, later=())
    assert (report.played_ns, report.total_ns) == (90 * MS, 150 * MS)


def _late_timed_reply(*, ask_between: bool) -> tuple[ReplyTracker, list[str]]:
    """A text whose first word starts after its first chunk (a long lead-in), then a second text.

    The TTS puts the text on its first chunk and each word on the chunk it starts in, so
    the playout sees the text alone first and its timed words one chunk later.
    """
    reply, heard = ReplyTracker(), []
    chunker = PlayoutChunker(PCM16K, 20)
    pushes = [
        dict(text="The capital of"),
        dict(word_times_ms=(("The", 5.0), ("capital", 12.0))),
        dict(word_times_ms=(("of", 1.0),)),
        dict(text="France is Paris.", word_times_ms=(("France", 0.0), ("is", 8.0), ("Paris", 15.0))),
    ]
    for push in pushes:
        for chunk in chunker.push(bytes(640), epoch=0, **push):  # type: ignore[arg-type]
            written = reply.written_ns
            reply.on_chunk(chunk, start_ns=written)
            if ask_between:  # the playout hands out the words of each chunk as it plays
                heard += reply.words_started(written + chunk.duration_ns)
    heard += reply.words_started(reply.written_ns + 1)
    return reply, heard


def test_a_text_whose_timed_words_come_a_chunk_later_counts_each_word_once() -> None:
    reply, heard = _late_timed_reply(ask_between=False)
    assert heard == ["The", "capital", "of", "France", "is", "Paris."]
    assert reply.text_played(reply.written_ns, reply.written_ns) == "The capital of France is Paris."
    assert reply.words_out == 6


def test_words_handed_out_untimed_are_not_handed_out_again_when_their_timing_comes() -> None:
    reply, heard = _late_timed_reply(ask_between=True)
    assert heard == ["The", "capital", "of", "France", "is", "Paris."]
    assert reply.text_played(reply.written_ns, reply.written_ns) == "The capital of France is Paris."
    assert reply.text_played(40 * MS, 80 * MS) == "The capital"  # "of" starts at 41 ms
