"""SilenceTurnDetector on a virtual clock: fixed and learned endpointing delays."""

from __future__ import annotations

import pytest

from tests.processors.turn.turn_harness import start_harness
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import (
    EndFrame,
    SpeechOnsetFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.processors.turn import SilenceTurnDetector


@pytest.mark.anyio
async def test_turn_ends_min_delay_after_speech_ends() -> None:
    h = start_harness(SilenceTurnDetector(min_delay=0.8))
    async with h.clock.autojump(), h.rt:
        await h.wait(1.0)
        await h.stopped()
        await h.wait(3.0)
    assert h.turn_ends() == [pytest.approx(1.8)]


@pytest.mark.anyio
async def test_turn_end_carries_the_speech_end_time() -> None:
    h = start_harness(SilenceTurnDetector(min_delay=0.8))
    async with h.clock.autojump(), h.rt:
        await h.wait(1.0)
        await h.stopped(ago_s=0.3)
        await h.wait(3.0)
    ends = [f for f in h.frames() if isinstance(f, TurnEndFrame)]
    assert [f.speech_end_ns for f in ends] == [700_000_000]


@pytest.mark.anyio
async def test_delay_counts_from_speech_end_not_from_the_stop_frame() -> None:
    h = start_harness(SilenceTurnDetector(min_delay=0.8))
    async with h.clock.autojump(), h.rt:
        await h.wait(1.0)
        await h.stopped(ago_s=0.3)
        await h.wait(3.0)
    assert h.turn_ends() == [pytest.approx(1.5)]


@pytest.mark.anyio
async def test_a_stop_reported_after_the_delay_ends_the_turn_at_once() -> None:
    h = start_harness(SilenceTurnDetector(min_delay=0.5))
    async with h.clock.autojump(), h.rt:
        await h.wait(2.0)
        await h.stopped(ago_s=1.0)
        await h.wait(1.0)
    assert h.turn_ends() == [pytest.approx(2.0)]


@pytest.mark.anyio
async def test_speech_resuming_before_the_delay_cancels_the_turn_end() -> None:
    h = start_harness(SilenceTurnDetector(min_delay=0.8))
    async with h.clock.autojump(), h.rt:
        await h.stopped()
        await h.wait(0.5)
        await h.started()
        await h.wait(3.0)
    assert h.turn_ends() == []


@pytest.mark.anyio
async def test_a_turn_end_due_during_a_speech_onset_waits_and_is_dropped_if_speech_starts() -> None:
    h = start_harness(SilenceTurnDetector(min_delay=0.3))
    async with h.clock.autojump(), h.rt:
        await h.stopped()
        await h.wait(0.15)
        await h.rt.push(SpeechOnsetFrame(heard=True))  # the user resumes after a short pause
        await h.wait(0.3)  # the delay passes while the VAD is still deciding
        assert h.turn_ends() == []
        await h.started()
        await h.wait(2.0)
    assert h.turn_ends() == []


@pytest.mark.anyio
async def test_a_turn_end_held_by_an_onset_that_fades_is_sent_then() -> None:
    h = start_harness(SilenceTurnDetector(min_delay=0.3))
    async with h.clock.autojump(), h.rt:
        await h.stopped()
        await h.wait(0.2)
        await h.rt.push(SpeechOnsetFrame(heard=True))  # a cough
        await h.wait(0.3)
        await h.rt.push(SpeechOnsetFrame(heard=False))
        await h.wait(1.0)
    assert h.turn_ends() == [pytest.approx(0.5)]


@pytest.mark.anyio
async def test_an_onset_that_fades_before_the_delay_changes_nothing() -> None:
    h = start_harness(SilenceTurnDetector(min_delay=0.5))
    async with h.clock.autojump(), h.rt:
        await h.stopped()
        await h.wait(0.1)
        await h.rt.push(SpeechOnsetFrame(heard=True))
        await h.wait(0.1)
        await h.rt.push(SpeechOnsetFrame(heard=False))
        await h.wait(1.0)
    assert h.turn_ends() == [pytest.approx(0.5)]


@pytest.mark.anyio
async def test_speaking_frames_are_forwarded() -> None:
    h = start_harness(SilenceTurnDetector())
    async with h.clock.autojump(), h.rt:
        await h.started()
        await h.stopped()
        await h.wait(3.0)
    kinds = [type(f) for f in h.frames()]
    assert kinds[:3] == [UserStartedSpeakingFrame, UserStoppedSpeakingFrame, TurnEndFrame]


@pytest.mark.anyio
async def test_end_of_stream_ends_a_pending_turn_before_the_end_frame() -> None:
    h = start_harness(SilenceTurnDetector(min_delay=0.8))
    async with h.clock.autojump(), h.rt:
        await h.stopped()
        await h.wait(0.2)
    kinds = [type(f) for f in h.frames()]
    assert kinds[-2:] == [TurnEndFrame, EndFrame]
    assert h.turn_ends() == [pytest.approx(0.2)]


async def speak_with_pauses(detector: SilenceTurnDetector, pause_s: float, pauses: int) -> list[float]:
    """A speaker who stops and resumes after `pause_s`, `pauses` times; returns turn-end times."""
    h = start_harness(detector)
    async with h.clock.autojump(), h.rt:
        for _ in range(pauses):
            await h.started()
            await h.wait(1.0)
            await h.stopped()
            await h.wait(pause_s)
        await h.started()
        await h.wait(1.0)
    return h.turn_ends()


@pytest.mark.anyio
async def test_fixed_delay_ends_a_turn_at_every_long_pause() -> None:
    ends = await speak_with_pauses(SilenceTurnDetector(min_delay=0.5, max_delay=2.0), pause_s=0.9, pauses=6)
    assert len(ends) == 6


@pytest.mark.anyio
async def test_dynamic_delay_learns_to_outlast_the_speakers_pauses() -> None:
    detector = SilenceTurnDetector(min_delay=0.5, max_delay=2.0, dynamic=True)
    ends = await speak_with_pauses(detector, pause_s=0.9, pauses=6)
    assert len(ends) == 3  # three early turn ends teach it; the next pauses keep the turn
    assert detector.current_delay() == pytest.approx(0.9 * 1.2)


@pytest.mark.anyio
async def test_dynamic_delay_stays_at_the_minimum_for_a_speaker_who_does_not_pause() -> None:
    detector = SilenceTurnDetector(min_delay=0.5, max_delay=2.0, dynamic=True)
    await speak_with_pauses(detector, pause_s=3.0, pauses=4)
    assert detector.current_delay() == 0.5


def test_invalid_delays_raise_invalid_config() -> None:
    with pytest.raises(VoiceError) as info:
        SilenceTurnDetector(min_delay=2.0, max_delay=1.0)
    assert info.value.code is ErrorCode.INVALID_CONFIG


def test_detector_is_not_interruptible_and_declares_its_delay() -> None:
    detector = SilenceTurnDetector(min_delay=0.6)
    assert detector.interruptible is False
    assert detector.latency.ms == pytest.approx(600.0)
