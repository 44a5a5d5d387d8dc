"""The VAD state machine, fed (confidence, volume) windows directly: exact timing."""

from __future__ import annotations

import pytest

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.vad.vad_analyzer import VADAnalyzer, VADEvent, VADParams, VADState

WIN = 20_000_000  # 20 ms windows
MS = 1_000_000
LOUD = -20.0


def feed(vad: VADAnalyzer, confidences: list[float], volume: float = LOUD) -> list[VADEvent]:
    events = [vad.step(c, volume, WIN) for c in confidences]
    return [e for e in events if e is not None]


def test_speech_starts_after_start_secs_dated_to_the_first_speech_window() -> None:
    vad = VADAnalyzer(VADParams(start_secs=0.2))
    events = feed(vad, [0.0] * 5 + [0.9] * 10)
    assert events == [VADEvent(speaking=True, at_ns=300 * MS, speech_ns=100 * MS)]


def test_speech_stops_after_stop_secs_dated_to_the_first_silent_window() -> None:
    vad = VADAnalyzer(VADParams(start_secs=0.2, stop_secs=0.3))
    events = feed(vad, [0.9] * 20 + [0.0] * 15)
    assert events[1] == VADEvent(speaking=False, at_ns=700 * MS, speech_ns=400 * MS)


def test_no_start_is_reported_before_start_secs_of_speech() -> None:
    vad = VADAnalyzer(VADParams(start_secs=0.2))
    assert feed(vad, [0.9] * 9) == []
    assert vad.state is VADState.STARTING


def test_a_short_burst_of_speech_falls_back_to_quiet() -> None:
    vad = VADAnalyzer(VADParams(start_secs=0.2, start_gap_secs=0.1))
    assert feed(vad, [0.9] * 5 + [0.0] * 10) == []
    assert vad.state is VADState.QUIET


def test_a_gap_shorter_than_start_gap_secs_keeps_the_start_count() -> None:
    vad = VADAnalyzer(VADParams(start_secs=0.2, start_gap_secs=0.1))
    events = feed(vad, [0.9] * 5 + [0.0] * 3 + [0.9] * 5)
    assert events == [VADEvent(speaking=True, at_ns=260 * MS, speech_ns=0)]


def test_a_gap_of_start_gap_secs_starts_the_count_over() -> None:
    vad = VADAnalyzer(VADParams(start_secs=0.2, start_gap_secs=0.1))
    events = feed(vad, [0.9] * 5 + [0.0] * 5 + [0.9] * 10)
    assert events == [VADEvent(speaking=True, at_ns=400 * MS, speech_ns=200 * MS)]


def test_speech_during_stopping_resumes_speaking() -> None:
    vad = VADAnalyzer(VADParams(start_secs=0.0, stop_secs=0.3))
    events = feed(vad, [0.9] * 5 + [0.0] * 10 + [0.9] * 5 + [0.0] * 15)
    assert [e.speaking for e in events] == [True, False]
    assert events[1].speech_ns == 400 * MS


def test_zero_start_secs_starts_on_the_first_speech_window() -> None:
    vad = VADAnalyzer(VADParams(start_secs=0.0))
    assert feed(vad, [0.0, 0.9]) == [VADEvent(speaking=True, at_ns=40 * MS, speech_ns=20 * MS)]


def test_windows_below_min_volume_count_as_silence() -> None:
    vad = VADAnalyzer(VADParams(start_secs=0.0, min_volume=-50.0))
    assert feed(vad, [1.0] * 10, volume=-55.0) == []


def test_windows_below_min_volume_stop_speech() -> None:
    vad = VADAnalyzer(VADParams(start_secs=0.0, stop_secs=0.1, min_volume=-50.0))
    feed(vad, [1.0] * 3)
    assert [e.speaking for e in feed(vad, [1.0] * 5, volume=-55.0)] == [False]


def test_confidence_between_stop_and_start_thresholds_keeps_speaking() -> None:
    vad = VADAnalyzer(VADParams(confidence=0.5, stop_confidence=0.3, start_secs=0.0, stop_secs=0.1))
    feed(vad, [0.9])
    assert feed(vad, [0.4] * 20) == []
    assert vad.state is VADState.SPEAKING


def test_confidence_between_stop_and_start_thresholds_does_not_start() -> None:
    vad = VADAnalyzer(VADParams(confidence=0.5, stop_confidence=0.3, start_secs=0.0))
    assert feed(vad, [0.4] * 20) == []


def test_default_stop_confidence_is_fifteen_hundredths_below_start() -> None:
    assert VADParams(confidence=0.6).release_confidence == pytest.approx(0.45)


def test_finish_closes_open_speech_at_the_end_of_the_stream() -> None:
    vad = VADAnalyzer(VADParams(start_secs=0.0))
    feed(vad, [0.9] * 10)
    assert vad.finish() == VADEvent(speaking=False, at_ns=200 * MS, speech_ns=200 * MS)
    assert vad.state is VADState.QUIET


def test_finish_while_stopping_dates_the_end_to_where_silence_began() -> None:
    vad = VADAnalyzer(VADParams(start_secs=0.0, stop_secs=1.0))
    feed(vad, [0.9] * 10 + [0.0] * 5)
    assert vad.finish() == VADEvent(speaking=False, at_ns=300 * MS, speech_ns=200 * MS)


def test_finish_while_quiet_reports_nothing() -> None:
    vad = VADAnalyzer()
    feed(vad, [0.0] * 10)
    assert vad.finish() is None


def test_reset_returns_to_quiet_at_time_zero() -> None:
    vad = VADAnalyzer(VADParams(start_secs=0.0))
    feed(vad, [0.9] * 10)
    vad.reset()
    assert (vad.state, vad.now_ns) == (VADState.QUIET, 0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"confidence": 1.5},
        {"stop_secs": -0.1},
        {"start_secs": -1.0},
        {"confidence": 0.5, "stop_confidence": 0.7},
    ],
)
def test_invalid_params_raise_invalid_config(kwargs: dict[str, float]) -> None:
    with pytest.raises(VoiceError) as info:
        VADParams(**kwargs)
    assert info.value.code is ErrorCode.INVALID_CONFIG


def test_onsets_report_speech_heard_before_the_start_and_its_lapse() -> None:
    vad = VADAnalyzer(VADParams(start_secs=0.2, start_gap_secs=0.1), onsets=True)
    events = feed(vad, [0.0] * 5 + [0.9] * 5 + [0.0] * 10)
    assert events == [
        VADEvent(speaking=True, at_ns=120 * MS, speech_ns=100 * MS, tentative=True),
        VADEvent(speaking=False, at_ns=300 * MS, speech_ns=100 * MS, tentative=True),
    ]


def test_an_onset_that_becomes_speech_is_followed_by_the_start_only() -> None:
    vad = VADAnalyzer(VADParams(start_secs=0.2), onsets=True)
    events = feed(vad, [0.0] * 5 + [0.9] * 10)
    assert events == [
        VADEvent(speaking=True, at_ns=120 * MS, speech_ns=100 * MS, tentative=True),
        VADEvent(speaking=True, at_ns=300 * MS, speech_ns=100 * MS),
    ]


def test_without_onsets_only_starts_and_stops_are_reported() -> None:
    vad = VADAnalyzer(VADParams(start_secs=0.2, start_gap_secs=0.1))
    assert feed(vad, [0.9] * 5 + [0.0] * 10) == []
