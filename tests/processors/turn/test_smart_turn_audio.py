"""TurnAudio: the audio a Smart Turn model reads, kept per turn."""

from __future__ import annotations

import numpy as np

from voicegraph.processors.turn.smart_turn_audio import TurnAudio


def _chunk(seconds: float, rate: int, value: int = 1000) -> bytes:
    return np.full(round(seconds * rate), value, np.int16).tobytes()


def test_at_most_eight_seconds_are_kept_and_the_newest_stay() -> None:
    audio = TurnAudio()
    for i in range(100):
        audio.add(_chunk(0.1, 16000, value=i), 16000)
    window = audio.window()
    assert audio.seconds == 8.0 and len(window) == 8 * 16000
    assert round(float(window[-1]) * 32768) == 99 and round(float(window[0]) * 32768) == 20


def test_a_new_turn_keeps_only_its_lead_in() -> None:
    audio = TurnAudio(pre_speech_s=0.7)
    for _ in range(30):
        audio.add(_chunk(0.1, 16000), 16000)
    audio.new_turn()
    assert abs(audio.seconds - 0.7) < 1e-9


def test_other_rates_are_resampled_to_16_khz_and_stereo_keeps_one_channel() -> None:
    audio = TurnAudio()
    stereo = np.repeat(np.full(8000, 500, np.int16), 2).tobytes()  # 1 s of 8 kHz stereo
    audio.add(stereo, 8000, channels=2)
    assert audio.seconds == 1.0
    assert abs(len(audio.window()) - 16000) <= 1


def test_a_copy_does_not_change_when_the_original_does() -> None:
    audio = TurnAudio()
    audio.add(_chunk(1.0, 16000), 16000)
    frozen = audio.copy()
    audio.add(_chunk(1.0, 16000), 16000)
    audio.new_turn()
    assert frozen.seconds == 1.0 and len(frozen.window()) == 16000
