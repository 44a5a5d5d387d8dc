"""Turn timing: events grouped into turns, stage latencies and the framework's own overhead."""

from __future__ import annotations

from voicegraph.backends.turn_tracker import TimedEvent
from voicegraph.demo.request_timing import assemble_requests

MS = 1_000_000


def conversation() -> list[TimedEvent]:
    """Two turns; all times in ms. The second reply is cut off by the user."""
    e = TimedEvent
    return [
        e(1000 * MS, "speech_end"), e(1130 * MS, "vad", value=1000.0 * MS), e(1300 * MS, "turn_end"),
        e(1579 * MS, "stt_compute", value=448.0), e(1580 * MS, "stt", "What is your name?"),
        e(1581 * MS, "agent_request"), e(1640 * MS, "llm_ttft", value=58.0),
        e(1641 * MS, "agent_first_token"),
        e(1680 * MS, "first_sentence"), e(1730 * MS, "tts_ttfb", value=49.0), e(1731 * MS, "tts_first_byte"),
        e(1733 * MS, "first_audio_out"), e(1800 * MS, "llm_end", "My name is Vee."),
        e(3000 * MS, "reply_played", "My name is Vee.", 0.0),
        e(5000 * MS, "speech_end"), e(5120 * MS, "vad", value=5000.0 * MS), e(5300 * MS, "turn_end"),
        e(5400 * MS, "stt", "Tell me more."), e(5401 * MS, "agent_request"),
        e(5500 * MS, "agent_first_token"),
        e(5600 * MS, "first_audio_out"), e(6000 * MS, "llm_end", "Well, I am made of nodes."),
        e(6500 * MS, "interrupt"), e(6501 * MS, "reply_played", "Well, I", 1.0),
    ]  # fmt: skip


def test_each_llm_request_makes_one_turn_with_both_sides_text() -> None:
    turns = assemble_requests(conversation())
    assert [(t.user_text, t.bot_text) for t in turns] == [
        ("What is your name?", "My name is Vee."),
        ("Tell me more.", "Well, I am made of nodes."),
    ]


def test_stages_are_measured_from_the_end_of_the_users_speech() -> None:
    first = assemble_requests(conversation())[0]
    assert first.stages() == {
        "vad": 130.0, "turn_end": 300.0, "stt": 580.0, "agent_request": 581.0,
        "agent_first_token": 641.0, "tts_first_byte": 731.0, "first_audio_out": 733.0,
    }  # fmt: skip
    assert first.voice_to_voice_ms == 733.0


def test_overhead_is_voice_to_voice_minus_engine_compute_and_endpointing() -> None:
    first = assemble_requests(conversation())[0]
    # STT starts at the VAD stop (130) and computes 448: ready at 578; then ttft 58,
    # first piece 39 (1641 -> 1680), TTS 49: 724 ms the engines need; 9 ms is overhead.
    assert first.engine_ms() == 724.0
    assert first.overhead_ms == 9.0


def test_a_preemptive_reply_waits_for_the_turn_end_that_follows_its_request() -> None:
    e = TimedEvent
    (turn,) = assemble_requests([
        e(1000 * MS, "speech_end"), e(1130 * MS, "vad", value=1000.0 * MS),
        e(1189 * MS, "stt_compute", value=58.0), e(1190 * MS, "stt", "Hi."),
        e(1191 * MS, "agent_request"), e(1250 * MS, "llm_ttft", value=58.0),
        e(1251 * MS, "agent_first_token"),
        e(1290 * MS, "first_sentence"), e(1294 * MS, "tts_ttfb", value=3.0), e(1295 * MS, "tts_first_byte"),
        e(1300 * MS, "turn_end"), e(1302 * MS, "first_audio_out"), e(1400 * MS, "llm_end", "Hello."),
    ])  # fmt: skip
    assert turn.stages()["turn_end"] == 300.0
    # Audio is ready at 130 + 58 + 58 + 39 + 3 = 288 ms, but the turn ends at 300.
    assert turn.engine_ms() == 300.0
    assert turn.overhead_ms == 2.0


def test_a_cut_reply_keeps_what_was_heard() -> None:
    second = assemble_requests(conversation())[1]
    assert (second.interrupted, second.heard_text) == (True, "Well, I")


def test_overhead_is_unknown_when_an_engine_metric_is_missing() -> None:
    second = assemble_requests(conversation())[1]
    assert second.overhead_ms is None


def test_without_the_callers_timing_the_vads_speech_end_estimate_is_used() -> None:
    events = [e for e in conversation() if e.kind != "speech_end"]
    first = assemble_requests(events)[0]
    assert (first.speech_end_source, first.speech_end_ns) == ("vad", 1000 * MS)
