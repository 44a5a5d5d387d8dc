"""Turn stages: one vocabulary, the frame that marks each stage, and the live tracker's turns."""

from __future__ import annotations

from voicegraph.backends.turn_tracker import STAGE_OF, STAGES, Turn, TurnTracker, stage_of
from voicegraph.framework.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    InterimTranscriptFrame,
    InterruptFrame,
    LLMMessagesFrame,
    LLMTextFrame,
    TranscriptFrame,
    TTSAudioFrame,
    UserStoppedSpeakingFrame,
)

MS = 1_000_000


def test_every_stage_has_exactly_one_frame_type_that_marks_it() -> None:
    assert sorted(STAGE_OF.values()) == sorted(STAGES)


def test_only_a_final_transcript_marks_the_stt_stage() -> None:
    assert stage_of(TranscriptFrame(text="hello")) == "stt"
    assert stage_of(TranscriptFrame(text="hel", final=False)) is None
    assert stage_of(InterimTranscriptFrame(text="hel")) is None
    assert stage_of(LLMTextFrame(text="Hi")) == "agent_first_token"


def test_a_turn_times_each_stage_at_its_first_frame_and_ends_when_the_reply_has_played() -> None:
    ended: list[Turn] = []
    tracker = TurnTracker(on_end=ended.append)
    frames = [
        (90, InterimTranscriptFrame(text="what")),
        (100, UserStoppedSpeakingFrame()),
        (200, TranscriptFrame(text="what time is it")),
        (210, LLMMessagesFrame(messages=({"role": "user", "content": "what time is it"},))),
        (300, LLMTextFrame(text="It")),
        (310, LLMTextFrame(text=" is")),
        (400, TTSAudioFrame(data=b"\0\0" * 160)),
        (500, BotStartedSpeakingFrame()),
        (900, BotStoppedSpeakingFrame()),
    ]
    for t_ms, frame in frames:
        tracker.observe(frame, t_ms * MS)
    (turn,) = ended
    assert turn.start_ns == 100 * MS and turn.outcome == "answered"
    assert {s: turn.latency_ms(s) for s in turn.stages} == {
        "vad": 0.0, "stt": 100.0, "agent_request": 110.0, "agent_first_token": 200.0,
        "tts_first_byte": 300.0, "first_audio_out": 400.0,
    }  # fmt: skip
    assert tracker.position() == {"turns": 1, "in_flight": False, "last_stage": "first_audio_out"}


def test_an_interruption_ends_the_turn_as_interrupted() -> None:
    ended: list[Turn] = []
    tracker = TurnTracker(on_end=ended.append)
    tracker.observe(TranscriptFrame(text="tell me a story"), 100 * MS)
    tracker.observe(InterruptFrame(reason="barge-in"), 150 * MS)
    assert [(t.index, t.outcome, t.end_ns) for t in ended] == [(1, "interrupted", 150 * MS)]
    assert not tracker.in_flight
