"""UtteranceTracker: pre-roll, stop events that overtake audio, settling, long utterances."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from voicegraph.processors.stt.utterance_tracker import Action, Begin, End, Feed, UtteranceTracker

FRAME = 320  # 20 ms at 16 kHz


def frame(value: int) -> NDArray[np.int16]:
    return np.full(FRAME, value, np.int16)


def fed(actions: list[Action]) -> list[int]:
    """The first sample value of each fed frame (frames are numbered by their value)."""
    return [int(a.pcm[0]) for a in actions if isinstance(a, Feed)]


def test_a_start_brings_the_last_300_ms_as_preroll() -> None:
    tracker = UtteranceTracker(16000, preroll_ms=300)
    for i in range(30):
        tracker.audio(frame(i), pts=i)
    (begin,) = tracker.start(pts=30)
    assert isinstance(begin, Begin)
    assert len(begin.preroll) == 4800 and int(begin.preroll[-1]) == 29 and int(begin.preroll[0]) == 15


def test_audio_queued_before_a_stop_still_belongs_to_the_utterance() -> None:
    tracker = UtteranceTracker(16000)
    tracker.start(pts=0)
    assert tracker.stop(pts=50, speech_end_ns=45) == []
    actions = tracker.audio(frame(1), pts=10) + tracker.audio(frame(2), pts=40)
    assert fed(actions) == [1, 2] and tracker.active
    actions = tracker.audio(frame(3), pts=60)
    assert actions == [End(45)] and not tracker.active


def test_settling_applies_a_stop_that_no_later_audio_confirmed() -> None:
    tracker = UtteranceTracker(16000)
    tracker.start(pts=0)
    tracker.audio(frame(1), pts=10)
    tracker.stop(pts=20, speech_end_ns=15)
    assert tracker.settle(upto_pts=19) == []
    assert tracker.settle(upto_pts=20) == [End(15)]


def test_a_start_after_a_pending_stop_waits_its_turn() -> None:
    tracker = UtteranceTracker(16000)
    tracker.start(pts=0)
    tracker.stop(pts=20, speech_end_ns=20)
    assert tracker.start(pts=30) == []
    actions = tracker.audio(frame(7), pts=40)
    assert [type(a) for a in actions] == [End, Begin, Feed]


def test_a_stop_without_a_start_is_ignored() -> None:
    tracker = UtteranceTracker(16000)
    tracker.stop(pts=5)
    assert tracker.audio(frame(1), pts=10) == [] and tracker.finish() == []


def test_finish_ends_an_open_utterance() -> None:
    tracker = UtteranceTracker(16000)
    tracker.start(pts=0)
    tracker.audio(frame(1), pts=1)
    assert tracker.finish(speech_end_ns=99) == [End(99)]


def test_an_overlong_utterance_is_split() -> None:
    tracker = UtteranceTracker(16000, preroll_ms=0, max_ms=100)
    tracker.start(pts=0)
    actions = [a for i in range(6) for a in tracker.audio(frame(i), pts=i + 1)]
    assert [type(a).__name__ for a in actions] == ["Feed"] * 5 + ["End", "Begin", "Feed"]
