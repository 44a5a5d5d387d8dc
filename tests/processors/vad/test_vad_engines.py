"""Every VAD engine on real synthesized speech with known speech spans, and on noise."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.speech import with_pauses
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.vad.vad_analyzer import VADParams
from voicegraph.processors.vad.vad_engine import create_vad_engine
from voicegraph.processors.vad.vad_stream import VADStream

ENGINES = ("silero", "webrtc", "energy")
TOLERANCE_S = 0.1
DIALOGUE: list[str | float] = [
    0.5,
    "Hello there how are you doing today",
    1.0,
    "I would like to book a table for two people",
    1.2,
    "Thanks a lot",
    0.8,
    "What time does the restaurant open on Sunday",
    0.7,
]
Segments = list[tuple[float, float]]


def vad_segments(engine: str, pcm: NDArray[np.int16], rate: int, chunk_ms: int = 20) -> Segments:
    """Run `engine` over `pcm` in transport-sized chunks; speech spans in seconds."""
    stream = VADStream(create_vad_engine(engine, rate), VADParams())
    events = []
    step = rate * chunk_ms // 1000
    for i in range(0, len(pcm), step):
        events += stream.push(pcm[i : i + step])
    last = stream.finish()
    events += [last] if last else []
    starts = [e.speech_ns / 1e9 for e in events if e.speaking]
    ends = [e.speech_ns / 1e9 for e in events if not e.speaking]
    return list(zip(starts, ends, strict=True))


def worst_error_ms(found: Segments, truth: Segments) -> float:
    assert len(found) == len(truth), f"found {found}, truth {truth}"
    errs = [abs(a - b) for f, t in zip(found, truth, strict=True) for a, b in zip(f, t, strict=True)]
    return max(errs) * 1000


@pytest.fixture(scope="module")
def espeak16k() -> tuple[NDArray[np.int16], Segments]:
    return with_pauses(DIALOGUE, engine="espeak", rate=16000, noise_rms=30.0)


@pytest.fixture(scope="module")
def piper16k() -> tuple[NDArray[np.int16], Segments]:
    return with_pauses(DIALOGUE, engine="piper", rate=16000, noise_rms=30.0)


@pytest.mark.parametrize("engine", ENGINES)
def test_segments_match_espeak_speech_within_100ms(
    engine: str, espeak16k: tuple[NDArray[np.int16], Segments]
) -> None:
    pcm, truth = espeak16k
    err = worst_error_ms(vad_segments(engine, pcm, 16000), truth)
    print(f"{engine} espeak 16 kHz worst boundary error {err:.0f} ms")
    assert err <= TOLERANCE_S * 1000


@pytest.mark.parametrize("engine", ENGINES)
def test_segments_match_piper_speech_within_100ms(
    engine: str, piper16k: tuple[NDArray[np.int16], Segments]
) -> None:
    pcm, truth = piper16k
    err = worst_error_ms(vad_segments(engine, pcm, 16000), truth)
    print(f"{engine} piper 16 kHz worst boundary error {err:.0f} ms")
    assert err <= TOLERANCE_S * 1000


@pytest.mark.parametrize(
    ("engine", "rate"), [("silero", 8000), ("webrtc", 8000), ("silero", 48000), ("webrtc", 48000)]
)
def test_segments_match_speech_at_other_rates_within_100ms(engine: str, rate: int) -> None:
    pcm, truth = with_pauses(DIALOGUE[:4], engine="espeak", rate=rate, noise_rms=30.0)
    err = worst_error_ms(vad_segments(engine, pcm, rate), truth)
    print(f"{engine} espeak {rate} Hz worst boundary error {err:.0f} ms")
    assert err <= TOLERANCE_S * 1000


def noise(kind: str, rms: float, seconds: float = 6.0, rate: int = 16000) -> NDArray[np.int16]:
    rng = np.random.default_rng(7)
    x = rng.normal(0.0, 1.0, int(seconds * rate))
    if kind == "brown":  # integrated white noise, high-passed at ~40 Hz: rumble-like
        x = np.cumsum(x)
        x -= np.convolve(x, np.ones(400) / 400, mode="same")
    x *= rms / x.std()
    return np.clip(x, -32768, 32767).astype(np.int16)


@pytest.mark.parametrize("kind", ["white", "brown"])
@pytest.mark.parametrize("engine", ENGINES)
def test_noise_at_minus_40_dbfs_yields_no_speech(engine: str, kind: str) -> None:
    assert vad_segments(engine, noise(kind, 300.0), 16000) == []


@pytest.mark.parametrize("engine", ["silero", "energy"])
def test_loud_noise_at_minus_20_dbfs_yields_no_speech(engine: str) -> None:
    assert vad_segments(engine, noise("white", 3000.0), 16000) == []


def test_energy_engine_learns_the_noise_floor_of_stationary_noise() -> None:
    from voicegraph.processors.vad.energy_vad_engine import EnergyVADEngine

    engine = EnergyVADEngine(16000)
    pcm = noise("white", 300.0, seconds=1.0)
    for i in range(0, len(pcm) - 320, 320):
        engine.confidence(pcm[i : i + 320])
    assert -43.0 < engine.noise_floor_dbfs < -40.0  # 300/32768 RMS is -40.8 dBFS


@pytest.mark.parametrize("engine", ENGINES)
def test_speech_windows_score_high_and_silent_windows_low(
    engine: str, espeak16k: tuple[NDArray[np.int16], Segments]
) -> None:
    pcm, truth = espeak16k
    vad = create_vad_engine(engine, 16000)
    n = vad.window_samples
    scores = np.array([vad.confidence(pcm[i : i + n]) for i in range(0, len(pcm) - n, n)])
    centre = int((truth[0][0] + truth[0][1]) / 2 * 16000) // n
    gap = slice(int((truth[0][1] + 0.2) * 16000) // n, int((truth[1][0] - 0.1) * 16000) // n)
    assert scores.max() > 0.9 and scores[gap].max() < 0.1
    assert scores[centre - 5 : centre + 5].mean() > 0.5


@pytest.mark.parametrize("engine", ENGINES)
def test_reset_makes_an_engine_repeat_its_scores(
    engine: str, espeak16k: tuple[NDArray[np.int16], Segments]
) -> None:
    pcm = espeak16k[0][: 16000 * 2]
    vad = create_vad_engine(engine, 16000)
    n = vad.window_samples
    first = [vad.confidence(pcm[i : i + n]) for i in range(0, len(pcm) - n, n)]
    vad.reset()
    assert [vad.confidence(pcm[i : i + n]) for i in range(0, len(pcm) - n, n)] == first


@pytest.mark.parametrize(("engine", "rate"), [("silero", 22050), ("webrtc", 44100)])
def test_unsupported_rate_raises_invalid_config(engine: str, rate: int) -> None:
    with pytest.raises(VoiceError) as info:
        create_vad_engine(engine, rate)
    assert info.value.code is ErrorCode.INVALID_CONFIG


def test_unknown_engine_raises_invalid_config() -> None:
    with pytest.raises(VoiceError) as info:
        create_vad_engine("nope", 16000)
    assert info.value.code is ErrorCode.INVALID_CONFIG


def test_unknown_engine_option_raises_invalid_config() -> None:
    with pytest.raises(VoiceError) as info:
        create_vad_engine("webrtc", 16000, {"aggressiveness": 3})
    assert info.value.code is ErrorCode.INVALID_CONFIG
