"""PauseTracker: the learned endpointing delay."""

from __future__ import annotations

import pytest

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.turn import PauseTracker


def test_delay_is_the_minimum_until_enough_pauses_are_seen() -> None:
    tracker = PauseTracker(min_samples=3)
    tracker.add(1.0)
    tracker.add(1.0)
    assert tracker.delay(0.5, 2.0) == 0.5


def test_delay_outlasts_the_chosen_percentile_of_pauses_by_the_factor() -> None:
    tracker = PauseTracker(percentile=50.0, factor=1.5, min_samples=1)
    for pause in (0.4, 0.6, 0.8):
        tracker.add(pause)
    assert tracker.delay(0.1, 5.0) == pytest.approx(0.9)


def test_delay_is_clamped_to_the_maximum() -> None:
    tracker = PauseTracker(min_samples=1)
    tracker.add(3.0)
    assert tracker.delay(0.5, 2.0) == 2.0


def test_delay_is_clamped_to_the_minimum() -> None:
    tracker = PauseTracker(min_samples=1)
    tracker.add(0.1)
    assert tracker.delay(0.5, 2.0) == 0.5


def test_old_pauses_are_forgotten_after_history_more() -> None:
    tracker = PauseTracker(history=3, percentile=100.0, factor=1.0, min_samples=1)
    for pause in (1.5, 0.6, 0.6, 0.6):
        tracker.add(pause)
    assert tracker.delay(0.1, 5.0) == pytest.approx(0.6)


def test_negative_pauses_are_ignored() -> None:
    tracker = PauseTracker()
    tracker.add(-0.2)
    assert len(tracker) == 0


def test_invalid_settings_raise_invalid_config() -> None:
    with pytest.raises(VoiceError) as info:
        PauseTracker(percentile=120.0)
    assert info.value.code is ErrorCode.INVALID_CONFIG
