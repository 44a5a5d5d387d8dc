"""The barge-in onset rule of the VAD state machine, fed (confidence, volume) windows directly."""

from __future__ import annotations

import pytest

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.vad.barge_in_onset import BargeInParams, NoiseFloor
from voicegraph.processors.vad.vad_analyzer import VADAnalyzer, VADEvent, VADParams

WIN = 32_000_000  # Silero windows
MS = 1_000_000
FLOOR = -60.0
STOCK = VADParams(start_secs=0.2)


def feed(vad: VADAnalyzer, windows: list[tuple[float, float]]) -> list[VADEvent]:
    """Feed (confidence, volume dBFS) windows; the non-tentative events."""
    events = [vad.step(c, v, WIN) for c, v in windows]
    return [e for e in events if e is not None and not e.tentative]


def word(n: int, volume: float, confidence: float = 0.9) -> list[tuple[float, float]]:
    """Half a second of background at the floor, then `n` speech windows at `volume`, then quiet."""
    return [(0.0, FLOOR)] * 16 + [(confidence, volume)] * n + [(0.0, FLOOR)] * 8


def test_while_the_bot_speaks_one_sure_loud_speech_window_starts_the_user() -> None:
    vad = VADAnalyzer(STOCK)
    vad.bot_speaking = True
    events = feed(vad, word(1, -25.0, confidence=0.95))
    assert events[0] == VADEvent(speaking=True, at_ns=17 * WIN, speech_ns=16 * WIN)


def test_while_the_bot_is_silent_the_stock_start_rule_applies() -> None:
    assert feed(VADAnalyzer(STOCK), word(6, -25.0)) == []


def test_the_stock_rule_is_kept_for_a_b_while_the_bot_speaks() -> None:
    vad = VADAnalyzer(STOCK, barge=BargeInParams(rule="stock"))
    vad.bot_speaking = True
    assert feed(vad, word(6, -25.0)) == []


def test_speech_barely_above_the_noise_floor_waits_for_the_stock_rule() -> None:
    vad = VADAnalyzer(STOCK)
    vad.bot_speaking = True
    assert feed(vad, word(6, FLOOR + 8.0)) == []
    assert [e.at_ns for e in feed(vad, word(7, FLOOR + 8.0))] == [(30 + 16 + 7) * WIN]


def test_unsure_speech_windows_wait_for_the_stock_rule() -> None:
    vad = VADAnalyzer(STOCK)
    vad.bot_speaking = True
    assert feed(vad, word(6, -25.0, confidence=0.85)) == []


def test_fewer_speech_windows_than_the_fast_start_do_not_start() -> None:
    vad = VADAnalyzer(STOCK, barge=BargeInParams(start_secs=0.09, confidence=0.8))  # three windows
    vad.bot_speaking = True
    assert feed(vad, word(2, -20.0)) == []
    assert [e.at_ns for e in feed(vad, word(3, -20.0, confidence=0.8))] == [(26 + 16 + 3) * WIN]


def test_the_rule_ends_when_the_bot_stops_speaking() -> None:
    vad = VADAnalyzer(STOCK)
    vad.bot_speaking = True
    vad.bot_speaking = False
    assert feed(vad, word(4, -25.0)) == []


def test_noise_floor_is_the_quietest_window_of_its_span() -> None:
    floor = NoiseFloor(100 * MS)
    for i, level in enumerate([-50.0, -70.0, -40.0, -45.0, -42.0]):
        floor.add((i + 1) * 50 * MS, level)
    assert floor.level_dbfs == -45.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rule": "faster"},
        {"start_secs": -0.1},
        {"min_rise_db": -1.0},
        {"floor_secs": 0.0},
        {"confidence": 1.5},
    ],
)
def test_bad_barge_in_params_are_invalid_config(kwargs: dict[str, object]) -> None:
    with pytest.raises(VoiceError) as err:
        BargeInParams(**kwargs)  # type: ignore[arg-type]
    assert err.value.code is ErrorCode.INVALID_CONFIG
