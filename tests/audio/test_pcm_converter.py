"""PcmConverter: sample formats, channels and rate in one streaming conversion."""

from __future__ import annotations

import numpy as np

from tests.audio.signals import snr_db, tones
from tests.speech import synthesize
from voicegraph.audio import g711
from voicegraph.audio.pcm_converter import PcmConverter
from voicegraph.framework.formats import AudioFormat, SampleFormat

S16_16K = AudioFormat(16000, 1, SampleFormat.S16)
F32_16K = AudioFormat(16000, 1, SampleFormat.F32)
S16_16K_STEREO = AudioFormat(16000, 2, SampleFormat.S16)
MULAW_8K = AudioFormat(8000, 1, SampleFormat.MULAW)

ALL_PCM = np.arange(-32768, 32768, dtype=np.int16)


def convert_all(conv: PcmConverter, data: bytes, chunk_bytes: int) -> bytes:
    parts = [conv.convert(data[i : i + chunk_bytes]) for i in range(0, len(data), chunk_bytes)]
    return b"".join(parts) + conv.finish()


def test_s16_to_f32_and_back_is_lossless_for_every_sample() -> None:
    f32 = PcmConverter(S16_16K, F32_16K).convert(ALL_PCM.tobytes())
    assert PcmConverter(F32_16K, S16_16K).convert(f32) == ALL_PCM.tobytes()


def test_f32_beyond_full_scale_clips_to_int16_range() -> None:
    out = PcmConverter(F32_16K, S16_16K).convert(np.array([2.0, -2.0], np.float32).tobytes())
    assert np.frombuffer(out, np.int16).tolist() == [32767, -32768]


def test_mono_to_stereo_duplicates_and_stereo_to_mono_averages() -> None:
    mono = np.array([100, -200, 300], np.int16)
    stereo = np.frombuffer(PcmConverter(S16_16K, S16_16K_STEREO).convert(mono.tobytes()), np.int16)
    assert stereo.tolist() == [100, 100, -200, -200, 300, 300]
    lr = np.array([100, 300, -100, -300], np.int16).tobytes()
    assert np.frombuffer(PcmConverter(S16_16K_STEREO, S16_16K).convert(lr), np.int16).tolist() == [200, -200]


def test_s16_to_mulaw_at_the_same_rate_is_the_g711_encoder() -> None:
    conv = PcmConverter(AudioFormat(8000, 1, SampleFormat.S16), MULAW_8K)
    assert conv.convert(ALL_PCM.tobytes()) == g711.mulaw_encode(ALL_PCM)


def test_mulaw_8k_to_s16_16k_matches_the_linear_path_within_g711_quality() -> None:
    speech8 = synthesize("Hello, how can I help you today?", rate=8000)
    via_mulaw = convert_all(PcmConverter(MULAW_8K, S16_16K), g711.mulaw_encode(speech8), 160)
    linear = convert_all(PcmConverter(AudioFormat(8000), S16_16K), speech8.tobytes(), 320)
    assert len(via_mulaw) == len(linear) == len(speech8) * 4
    assert snr_db(np.frombuffer(linear, np.int16), np.frombuffer(via_mulaw, np.int16)) > 30.0


def test_rate_and_channels_change_together() -> None:
    x = (tones(16000, 1.0) * 32768).astype(np.int16)
    out = convert_all(PcmConverter(S16_16K, AudioFormat(48000, 2, SampleFormat.F32)), x.tobytes(), 640)
    y = np.frombuffer(out, np.float32).reshape(-1, 2)
    ref = tones(48000, 1.0)
    assert np.array_equal(y[:, 0], y[:, 1])
    assert snr_db(ref[2400:-2400], y[2400:-2400, 0]) > 80.0


def test_same_format_passes_bytes_through_without_a_partial_sample() -> None:
    assert PcmConverter(S16_16K, S16_16K).convert(b"\x01\x02\x03") == b"\x01\x02"


def test_reset_drops_audio_held_for_a_rate_change() -> None:
    conv = PcmConverter(S16_16K, AudioFormat(48000))
    conv.convert((tones(16000, 0.1) * 9000).astype(np.int16).tobytes())
    conv.reset()
    assert conv.finish() == b""
