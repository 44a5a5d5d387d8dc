"""InboundAudioConverter: aiortc's decoded frames (48 kHz stereo) to the graph's format."""

from __future__ import annotations

import numpy as np
from av import AudioFrame

from tests.speech import synthesize
from voicegraph.framework.formats import PCM16K
from voicegraph.transports.webrtc import InboundAudioConverter


def frames_48k(pcm16k: np.ndarray, fmt: str = "s16") -> list[AudioFrame]:
    up = np.repeat(pcm16k.astype(np.int16), 3)  # crude 16 -> 48 kHz, enough for level and length
    out = []
    for i in range(0, len(up) - 959, 960):
        chunk = up[i : i + 960]
        if fmt == "s16":
            frame = AudioFrame.from_ndarray(np.repeat(chunk, 2).reshape(1, -1), format="s16", layout="stereo")
        else:
            planar = np.stack([chunk, chunk]).astype(np.float32) / 32768
            frame = AudioFrame.from_ndarray(planar, format="fltp", layout="stereo")
        frame.sample_rate = 48000
        out.append(frame)
    return out


def convert(frames: list[AudioFrame]) -> np.ndarray:
    conv = InboundAudioConverter(PCM16K)
    return np.frombuffer(b"".join(conv.convert(f) for f in frames), "<i2")


def test_stereo_48k_becomes_mono_16k_of_the_same_length_and_level() -> None:
    speech = np.asarray(synthesize("testing the inbound converter"), dtype=np.int16)
    out = convert(frames_48k(speech))
    n = len(speech) // 320 * 320
    assert abs(len(out) - n) <= 320 * 2  # soxr holds back under two frames
    assert np.std(out) / np.std(speech[: len(out)]) > 0.9


def test_planar_float_frames_are_repacked_and_converted_too() -> None:
    speech = np.asarray(synthesize("planar float audio"), dtype=np.int16)
    out = convert(frames_48k(speech, "fltp"))
    assert len(out) > len(speech) * 0.8
    assert np.std(out) / np.std(speech[: len(out)]) > 0.9
