"""StreamResampler: soxr quality, steady chunk lengths, drain and reset."""

from __future__ import annotations

import numpy as np
import pytest

from tests.audio.signals import chunks, snr_db, tones
from voicegraph.audio.stream_resampler import StreamResampler
from voicegraph.framework.errors import ErrorCode, VoiceError

EDGE = 0.05  # seconds trimmed at both ends, where the filters start and stop


def run(rs: StreamResampler, x: np.ndarray, chunk: int) -> tuple[np.ndarray, list[int]]:
    outs = [rs.process(c.reshape(-1, rs.channels)) for c in chunks(x, chunk * rs.channels)]
    tail = rs.finish()
    y = np.concatenate([*outs, tail]).reshape(-1)
    return y, [len(o) for o in outs]


def inner_snr(ref: np.ndarray, y: np.ndarray, rate: int) -> float:
    k = int(EDGE * rate)
    n = min(len(ref), len(y))
    return snr_db(ref[k : n - k], y[k : n - k])


def test_16k_to_48k_matches_the_tones_computed_at_48k_within_100_db() -> None:
    y, _ = run(StreamResampler(16000, 48000, dtype=np.float32), tones(16000, 2.0), 320)
    assert inner_snr(tones(48000, 2.0), y, 48000) > 100.0


def test_16k_to_48k_to_16k_round_trip_keeps_tones_above_100_db() -> None:
    x = tones(16000, 2.0)
    up, _ = run(StreamResampler(16000, 48000, dtype=np.float32), x, 320)
    down, _ = run(StreamResampler(48000, 16000, dtype=np.float32), up, 960)
    assert len(down) == len(x)
    assert inner_snr(x, down, 16000) > 100.0


def test_44k1_to_16k_keeps_the_passband_and_removes_what_would_alias() -> None:
    x = tones(44100, 2.0, (*(f for f in (200.0, 1000.0, 5000.0)), 10000.0, 15000.0))
    y, _ = run(StreamResampler(44100, 16000, dtype=np.float32), x, 882)
    assert inner_snr(tones(16000, 2.0, (200.0, 1000.0, 5000.0)), y, 16000) > 60.0


@pytest.mark.parametrize(
    ("src", "dst", "chunk_ms"),
    [(16000, 48000, 20), (48000, 16000, 20), (44100, 16000, 20), (8000, 16000, 20), (24000, 16000, 10)],
)
def test_steady_input_chunks_give_equal_output_chunks_after_the_first(
    src: int, dst: int, chunk_ms: int
) -> None:
    n_in, n_out = src * chunk_ms // 1000, dst * chunk_ms // 1000
    _, lens = run(StreamResampler(src, dst), (tones(src, 6.0) * 8000).astype(np.int16), n_in)
    started = [n for n in lens if n][1:]
    assert set(started[:-1]) == {n_out}  # the last input chunk may be short


def test_steady_latency_is_soxr_buffering_at_16k_to_48k() -> None:
    rs = StreamResampler(16000, 48000)
    rs.process(np.zeros((320, 1), np.int16))
    assert 30.0 < rs.latency_ms < 45.0


def test_drain_emits_exactly_the_resampled_length() -> None:
    y, _ = run(StreamResampler(16000, 48000), np.zeros(16000 * 3 + 123, np.int16), 320)
    assert len(y) == (16000 * 3 + 123) * 3


def test_reset_forgets_held_audio_and_history() -> None:
    x = (tones(16000, 0.5) * 8000).astype(np.int16)
    used = StreamResampler(16000, 48000)
    for c in chunks((tones(16000, 0.3) * 9000).astype(np.int16), 320):
        used.process(c.reshape(-1, 1))
    used.reset()
    y_used, _ = run(used, x, 320)
    y_fresh, _ = run(StreamResampler(16000, 48000), x, 320)
    assert np.array_equal(y_used, y_fresh)


def test_stereo_channels_are_resampled_independently() -> None:
    left, right = tones(16000, 1.0, (440.0,)), tones(16000, 1.0, (1200.0,))
    x = np.stack([left, right], axis=1).reshape(-1)
    y, _ = run(StreamResampler(16000, 48000, 2, dtype=np.float32), x, 320)
    y = y.reshape(-1, 2)
    assert inner_snr(tones(48000, 1.0, (440.0,)), y[:, 0], 48000) > 100.0
    assert inner_snr(tones(48000, 1.0, (1200.0,)), y[:, 1], 48000) > 100.0


def test_unsteady_mode_adds_no_latency_of_its_own() -> None:
    rs = StreamResampler(16000, 48000, steady=False)
    rs.process(np.zeros((320, 1), np.int16))
    assert rs.latency_ms == 0.0


def test_equal_rates_pass_blocks_through_unchanged() -> None:
    x = np.arange(320, dtype=np.int16).reshape(-1, 1)
    assert StreamResampler(16000, 16000).process(x) is x


def test_unknown_quality_is_an_invalid_config_error() -> None:
    with pytest.raises(VoiceError) as err:
        StreamResampler(16000, 48000, quality="best")  # type: ignore[arg-type]
    assert err.value.code is ErrorCode.INVALID_CONFIG
