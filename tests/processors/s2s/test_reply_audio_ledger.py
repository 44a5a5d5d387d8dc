"""The reply ledger turns a played position into truncation points, and estimates it without one."""

from __future__ import annotations

from voicegraph.framework.frames import ReplyPlayedFrame
from voicegraph.processors.s2s import ReplyAudioLedger

MS = 1_000_000


def ledger_with_reply(*items: tuple[str, int], active: bool = False) -> ReplyAudioLedger:
    ledger = ReplyAudioLedger(tail_ns=300 * MS)
    ledger.open("r1", epoch=0)
    for item_id, ms in items:
        ledger.received("r1", item_id, ms * MS)
    if not active:
        ledger.done("r1")
    return ledger


def test_position_inside_the_second_item_cuts_it_there_and_leaves_the_heard_first_item() -> None:
    ledger = ledger_with_reply(("a", 1000), ("b", 2000), ("c", 500))
    reply = ledger.get("r1")
    assert reply is not None
    assert ledger.truncation_points(reply, 1750 * MS) == [("b", 750), ("c", 0)]


def test_a_reply_still_generating_is_truncated_even_where_fully_heard() -> None:
    ledger = ledger_with_reply(("a", 800), active=True)
    ledger.emitted("r1", 800 * MS, now_ns=0)
    cut = ledger.cut(now_ns=900 * MS)
    assert ledger.truncation_points(cut[0], 800 * MS) == [("a", 800)]


def test_a_completed_reply_heard_to_the_end_needs_no_truncation() -> None:
    ledger = ledger_with_reply(("a", 800))
    reply = ledger.get("r1")
    assert reply is not None
    assert ledger.truncation_points(reply, 800 * MS) == []


def test_estimate_is_emitted_audio_minus_what_playout_had_not_reached_at_the_cut() -> None:
    ledger = ledger_with_reply(("a", 3000), active=True)
    ledger.emitted("r1", 3000 * MS, now_ns=10_000 * MS)
    (reply,) = ledger.cut(now_ns=11_200 * MS)
    assert ledger.estimate_played(reply, now_ns=99_000 * MS) == 1200 * MS


def test_estimate_never_exceeds_the_emitted_audio() -> None:
    ledger = ledger_with_reply(("a", 500))
    ledger.emitted("r1", 500 * MS, now_ns=0)
    (reply,) = ledger.cut(now_ns=700 * MS)
    assert ledger.estimate_played(reply, now_ns=700 * MS) == 500 * MS


def test_reply_stays_live_while_it_may_still_be_playing_then_ends() -> None:
    ledger = ledger_with_reply(("a", 1000))
    ledger.emitted("r1", 1000 * MS, now_ns=0)
    assert ledger.live(now_ns=1200 * MS)
    assert not ledger.live(now_ns=1400 * MS)


def test_a_played_report_ends_the_reply_at_once() -> None:
    ledger = ledger_with_reply(("a", 1000))
    ledger.emitted("r1", 1000 * MS, now_ns=0)
    ledger.played(ReplyPlayedFrame(response_id="r1", played_ns=1000 * MS, total_ns=1000 * MS))
    assert not ledger.live(now_ns=10 * MS)


def test_a_cut_reply_accepts_no_more_output() -> None:
    ledger = ledger_with_reply(("a", 100), active=True)
    ledger.cut(now_ns=0)
    assert not ledger.accepts("r1", epoch=0)


def test_output_from_an_older_interruption_epoch_is_refused() -> None:
    ledger = ReplyAudioLedger()
    ledger.open("r1", epoch=3)
    assert not ledger.accepts("r1", epoch=4)


def test_replies_of_a_lost_provider_session_are_never_truncated() -> None:
    ledger = ledger_with_reply(("a", 1000), active=True)
    ledger.emitted("r1", 1000 * MS, now_ns=0)
    ledger.new_session()
    (reply,) = ledger.cut(now_ns=500 * MS)
    assert ledger.truncation_points(reply, 500 * MS) == []
