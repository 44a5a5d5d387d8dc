"""I/O-free playout cores: chunking with text, reply accounting, marks."""

from __future__ import annotations

from voicegraph.framework.formats import PCM16K
from voicegraph.transports.playout_chunker import PlayoutChunker, SpokenText
from voicegraph.transports.playout_mark import mark_name, parse_mark
from voicegraph.transports.reply_ledger import ReplyLedger

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
