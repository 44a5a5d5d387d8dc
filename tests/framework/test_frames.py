from __future__ import annotations

import dataclasses

import pytest

from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames import (
    AudioFrame,
    Direction,
    EndFrame,
    FormatFrame,
    InterruptRequestFrame,
    Lane,
    TextFrame,
    UserStartedSpeakingFrame,
)


def test_families_route_by_class_flags() -> None:
    assert TextFrame.lane is Lane.DATA and TextFrame.droppable
    assert EndFrame.lane is Lane.DATA and not EndFrame.droppable
    assert UserStartedSpeakingFrame.lane is Lane.CONTROL
    assert InterruptRequestFrame.direction is Direction.UP
    assert FormatFrame.sticky and not TextFrame.sticky


def test_frames_are_frozen() -> None:
    frame = TextFrame(text="hi")
    with pytest.raises(dataclasses.FrozenInstanceError):
        frame.text = "no"  # type: ignore[misc]


def test_audio_frame_knows_its_duration() -> None:
    fmt = AudioFormat(16000, 1, SampleFormat.S16)
    frame = AudioFrame(data=bytes(640), format=fmt)
    assert frame.duration_ns == 20_000_000
    assert frame.num_samples == 320
    stereo48 = AudioFrame(data=bytes(48000 * 2 * 4 // 100), format=AudioFormat(48000, 2, SampleFormat.F32))
    assert stereo48.duration_ms == pytest.approx(10.0)


def test_audio_samples_view_has_the_format_dtype() -> None:
    frame = AudioFrame(data=bytes(8), format=AudioFormat(8000, 1, SampleFormat.F32))
    assert frame.samples().dtype.name == "float32"
    assert len(frame.samples()) == 2


def test_frames_get_unique_ids_and_creation_time() -> None:
    a, b = TextFrame(text="a"), TextFrame(text="b")
    assert a.id != b.id
    assert a.created_ns <= b.created_ns
