"""CallerVoice: speaks a scripted caller's lines (Piper or eSpeak NG), trimmed to the speech."""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency

if TYPE_CHECKING:
    from numpy.typing import NDArray

_lock = threading.Lock()


class CallerVoice:
    """Synthesizes caller lines as mono int16 at `rate`, cut to where speech is audible.

    Piper runs without generator noise, so a line gives the same audio on every run
    (tests and benchmarks are repeatable). The cut keeps the 10 ms windows louder than
    `floor_db` below the loudest one: the returned audio starts with the first speech
    sample and ends with the last. Blocking (call it from a thread); results are cached.

    Args:
        engine: "piper" (the joe voice wheel) or "espeak".
        rate: output sample rate.
        floor_db: level below the peak that counts as silence when cutting.

    Raises:
        VoiceError: (invalid_config) unknown engine; (missing_dependency) its package.
    """

    def __init__(self, *, engine: str = "piper", rate: int = 16000, floor_db: float = -40.0) -> None:
        if engine not in ("piper", "espeak"):
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"unknown caller voice {engine!r} (piper or espeak)")
        self.engine = engine
        self.rate = rate
        self._floor_db = floor_db

    @functools.lru_cache(maxsize=128)  # noqa: B019 - a handful of voices per process, each kept on purpose
    def speak(self, text: str) -> NDArray[np.int16]:
        """The line as int16 samples at `rate`, from its first to its last speech sample."""
        with _lock:
            pcm, native = _piper(text) if self.engine == "piper" else _espeak(text)
        out = _resample(pcm, native, self.rate)
        start, end = speech_bounds(out, self.rate, floor_db=self._floor_db)
        cut: NDArray[np.int16] = out[start:end].copy()
        cut.setflags(write=False)
        return cut


def speech_bounds(pcm: NDArray[np.int16], rate: int, *, floor_db: float = -40.0) -> tuple[int, int]:
    """First and last+1 sample of the 10 ms windows louder than `floor_db` below the peak."""
    win = max(1, rate // 100)
    n = len(pcm) // win
    if n == 0:
        return 0, 0
    frames = pcm[: n * win].astype(np.float64).reshape(n, win)
    rms = np.sqrt(np.mean(frames * frames, axis=1))
    peak = float(rms.max())
    if peak <= 0.0:
        return 0, 0
    loud = np.flatnonzero(rms > peak * 10 ** (floor_db / 20))
    return int(loud[0]) * win, (int(loud[-1]) + 1) * win


@functools.cache
def _piper_voice() -> Any:
    try:
        from piper import PiperVoice
    except ImportError as exc:
        raise missing_dependency("local", "piper-tts") from exc
    from voicegraph.processors.tts.piper_engine import default_voice

    model, config = default_voice()
    return PiperVoice.load(model, config)


def _piper(text: str) -> tuple[NDArray[np.int16], int]:
    from piper import SynthesisConfig

    voice = _piper_voice()
    quiet = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
    chunks = [c.audio_int16_array for c in voice.synthesize(text, syn_config=quiet)]
    pcm = np.concatenate(chunks).astype(np.int16) if chunks else np.zeros(0, np.int16)
    return pcm, int(voice.config.sample_rate)


@functools.cache
def _espeak_engine() -> Any:
    from voicegraph.processors.tts.espeak_engine import EspeakEngine

    return EspeakEngine(voice="en-us")


def _espeak(text: str) -> tuple[NDArray[np.int16], int]:
    engine = _espeak_engine()
    pcm, _ = engine.synthesize_all(text)
    return np.asarray(pcm, dtype=np.int16), int(engine.sample_rate)


def _resample(pcm: NDArray[np.int16], src: int, dst: int) -> NDArray[np.int16]:
    if src == dst or not len(pcm):
        return pcm
    from voicegraph.audio.engine_imports import import_soxr

    soxr = import_soxr()
    y = soxr.resample(pcm.astype(np.float32), src, dst, quality="HQ")
    out: NDArray[np.int16] = np.clip(np.round(y), -32768, 32767).astype(np.int16)
    return out
