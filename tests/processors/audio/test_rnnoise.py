"""RNNoise noise suppression on speech plus white noise: SNR gain, speech kept, timing."""

from __future__ import annotations

import numpy as np
import pytest

from tests.audio.signals import best_lag, snr_db
from tests.processors.audio.graph_run import audio_frames, audio_out, run_graph
from tests.speech import with_pauses
from voicegraph.audio.rnnoise_denoiser import LAG, RNNoiseDenoiser
from voicegraph.framework import Graph
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.processors.audio.format_converter import FormatConverter
from voicegraph.processors.audio.rnnoise_filter import RNNoiseFilter

RATE = 48000
PCM48 = AudioFormat(RATE, 1, SampleFormat.S16)


class Noisy:
    def __init__(self) -> None:
        parts: list[str | float] = [
            0.5,
            "The quick brown fox jumps over the lazy dog.",
            0.8,
            "Call me back.",
            0.5,
        ]
        self.clean, segments = with_pauses(parts, rate=RATE)
        noise = np.random.default_rng(1).normal(0.0, 1000.0, len(self.clean))
        self.noisy = np.clip(self.clean + noise, -32768, 32767).astype(np.int16)
        self.speech = np.zeros(len(self.clean), bool)
        for start, end in segments:
            self.speech[int(start * RATE) : int(end * RATE)] = True


def denoise(x: np.ndarray, *, compensate: bool = True, chunk: int = 960) -> tuple[np.ndarray, list[int]]:
    d = RNNoiseDenoiser(compensate=compensate)
    outs = [d.process(x[i : i + chunk]) for i in range(0, len(x), chunk)]
    return np.concatenate([*outs, d.finish()]), [len(o) for o in outs]


def level_db(x: np.ndarray, where: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(x[where].astype(np.float64) ** 2)))


@pytest.fixture(scope="module")
def sig() -> Noisy:
    return Noisy()


@pytest.fixture(scope="module")
def cleaned(sig: Noisy) -> np.ndarray:
    return denoise(sig.noisy)[0]


def test_snr_against_clean_speech_improves_by_more_than_5_db(sig: Noisy, cleaned: np.ndarray) -> None:
    assert snr_db(sig.clean, cleaned) - snr_db(sig.clean, sig.noisy) > 5.0  # measured 8.2 -> 15.4 dB


def test_noise_in_the_pauses_drops_by_more_than_20_db(sig: Noisy, cleaned: np.ndarray) -> None:
    assert level_db(sig.noisy, ~sig.speech) - level_db(cleaned, ~sig.speech) > 20.0  # measured 32 dB


def test_speech_level_is_kept_within_1_5_db(sig: Noisy, cleaned: np.ndarray) -> None:
    assert abs(level_db(cleaned, sig.speech) - level_db(sig.clean, sig.speech)) < 1.5


def test_compensated_output_is_aligned_and_as_long_as_the_input(sig: Noisy, cleaned: np.ndarray) -> None:
    assert len(cleaned) == len(sig.noisy)
    assert best_lag(sig.clean, cleaned, 2 * LAG) == 0


def test_uncompensated_output_trails_by_960_samples(sig: Noisy) -> None:
    y, _ = denoise(sig.noisy, compensate=False)
    assert best_lag(sig.clean, y, 2 * LAG) == LAG


def test_20ms_chunks_come_out_as_20ms_chunks_after_the_lag(sig: Noisy) -> None:
    _, lens = denoise(sig.noisy[: RATE // 2])
    assert lens == [0] + [960] * 24


@pytest.mark.anyio
@pytest.mark.usefixtures("soxr_negotiation")
async def test_the_filter_node_denoises_16k_input_through_a_negotiated_converter(sig: Noisy) -> None:
    pcm16 = AudioFormat(16000, 1, SampleFormat.S16)
    noisy16 = sig.noisy[::3].copy()  # crude decimation is fine: the node only has to run
    graph = Graph.chain(RNNoiseFilter(), input_format=pcm16).build()
    assert any(type(p) is FormatConverter for p in graph.processors.values())
    out = audio_out(await run_graph(graph, audio_frames(noisy16.tobytes(), pcm16, 20)))
    y = np.frombuffer(b"".join(f.data for f in out), np.int16)
    assert all(f.format == PCM48 for f in out)
    assert len(y) == len(noisy16) * 3
    assert level_db(y, ~sig.speech[: len(y)]) < level_db(sig.noisy, ~sig.speech) - 15.0
