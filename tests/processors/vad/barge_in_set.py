"""A synthesized barge-in set: short first words at sub-window offsets, and non-speech noises.

    from tests.processors.vad.barge_in_set import barge_words, noise_clips, scene
    for word in barge_words():
        pcm, onset_s, end_s = scene(word.pcm, offset_ms=12, background_rms=100.0)

Words are spoken by Piper (two speeds, no generator noise, so deterministic) and eSpeak
(two speeds), trimmed to where they are audible. Noise clips are generated from a fixed
seed: clicks, thumps, hum, white/pink/brown bursts, breath-like bands, a beep, rustle.
Everything is mono int16 at 16 kHz, cached per process and read-only.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import soxr
from numpy.typing import NDArray

from voicegraph.demo.caller_voice import speech_bounds
from voicegraph.processors.tts.espeak_engine import EspeakEngine
from voicegraph.processors.tts.piper_engine import default_voice

RATE = 16000
WORDS = ("Wait", "Stop", "No", "Hey", "Hold on", "Sorry")
"""First words of a barge-in, each short (150-450 ms once trimmed)."""
BACKCHANNELS = ("Mm-hmm", "Uh-huh", "Yeah", "Okay")
"""What a listener says without meaning to take the turn (a VAD cannot tell these apart)."""
PIPER_SPEEDS = (0.75, 1.0)
"""Piper `length_scale` values: 0.75 is a hurried "Wait!"."""
ESPEAK_WPM = (175, 260)
LEAD_S = 0.5
"""Background before the clip, so the engine has settled on the background."""
TAIL_S = 0.6


@dataclass(frozen=True, slots=True)
class Clip:
    """One word or noise clip."""

    label: str
    pcm: NDArray[np.int16]


def _to_rate(pcm: NDArray[Any], src: int) -> NDArray[np.int16]:
    x = pcm.astype(np.float32)
    if src != RATE:
        x = soxr.resample(x, src, RATE, quality="HQ")
    out: NDArray[np.int16] = np.clip(np.round(x), -32768, 32767).astype(np.int16)
    return out


@functools.cache
def _piper() -> Any:
    from piper import PiperVoice

    model, config = default_voice()
    return PiperVoice.load(model, config)


def _piper_word(text: str, length_scale: float) -> NDArray[np.int16]:
    from piper import SynthesisConfig

    voice = _piper()
    cfg = SynthesisConfig(length_scale=length_scale, noise_scale=0.0, noise_w_scale=0.0)
    pcm = np.concatenate([c.audio_int16_array for c in voice.synthesize(text, syn_config=cfg)])
    return _to_rate(pcm, int(voice.config.sample_rate))


def _espeak_word(text: str, wpm: int) -> NDArray[np.int16]:
    tts = EspeakEngine(voice="en-us", words_per_minute=wpm)
    pcm, _ = tts.synthesize_all(text)
    return _to_rate(pcm, tts.sample_rate)


def _trimmed(label: str, pcm: NDArray[np.int16]) -> Clip:
    start, end = speech_bounds(pcm, RATE)
    out = pcm[start:end].copy()
    out.setflags(write=False)
    return Clip(label, out)


@functools.cache
def barge_words(words: tuple[str, ...] = WORDS) -> tuple[Clip, ...]:
    """Every word of `words` by Piper and eSpeak at two speeds each, trimmed."""
    clips: list[Clip] = []
    for word in words:
        for scale in PIPER_SPEEDS:
            clips.append(_trimmed(f"piper/{scale}/{word}", _piper_word(word, scale)))
        for wpm in ESPEAK_WPM:
            clips.append(_trimmed(f"espeak/{wpm}/{word}", _espeak_word(word, wpm)))
    return tuple(clips)


def _level(x: NDArray[np.float64], dbfs: float) -> NDArray[np.float64]:
    """Scale `x` so its RMS is `dbfs`."""
    rms = float(np.sqrt(np.mean(x * x))) or 1.0
    scaled: NDArray[np.float64] = x * (32768.0 * 10 ** (dbfs / 20.0) / rms)
    return scaled


def _coloured(rng: np.random.Generator, n: int, exponent: float) -> NDArray[np.float64]:
    """Noise with power ~ 1/f**exponent (0 white, 1 pink, 2 brown)."""
    spec = np.fft.rfft(rng.normal(0.0, 1.0, n))
    f = np.arange(spec.size, dtype=np.float64)
    f[0] = 1.0
    out: NDArray[np.float64] = np.fft.irfft(spec / f ** (exponent / 2.0), n)
    return out


def _band(rng: np.random.Generator, n: int, lo: float, hi: float) -> NDArray[np.float64]:
    spec = np.fft.rfft(rng.normal(0.0, 1.0, n))
    freqs = np.fft.rfftfreq(n, 1.0 / RATE)
    spec[(freqs < lo) | (freqs > hi)] = 0.0
    out: NDArray[np.float64] = np.fft.irfft(spec, n)
    return out


def _secs(s: float) -> int:
    return round(s * RATE)


def _clicks(count: int, gap_s: float, dbfs_peak: float) -> NDArray[np.float64]:
    x = np.zeros(_secs(gap_s * count + 0.01))
    click = np.exp(-np.arange(_secs(0.002)) / 6.0) * 32768.0 * 10 ** (dbfs_peak / 20.0)
    for i in range(count):
        at = _secs(i * gap_s)
        x[at : at + click.size] += click * (1 if i % 2 == 0 else -1)
    return x


def _envelope(n: int) -> NDArray[np.float64]:
    """A smooth rise and fall (breath-like)."""
    out: NDArray[np.float64] = np.sin(np.linspace(0.0, np.pi, n)) ** 1.5
    return out


@functools.cache
def noise_clips(seed: int = 7) -> tuple[Clip, ...]:
    """Fifteen non-speech sounds a caller's microphone picks up, from a fixed seed."""
    rng = np.random.default_rng(seed)
    t = np.arange(_secs(0.8)) / RATE
    hum50 = _level(np.sin(2 * np.pi * 50 * t) + 0.5 * np.sin(2 * np.pi * 150 * t), -30.0)
    hum60 = _level(np.sign(np.sin(2 * np.pi * 60 * t)) * 1.0, -38.0)
    tb = np.arange(_secs(0.15)) / RATE
    thump = np.sin(2 * np.pi * 80 * tb) * np.exp(-tb / 0.03) * 32768 * 10 ** (-8 / 20)
    rustle = _coloured(rng, _secs(0.7), 1.0) * (rng.random(_secs(0.7)) < 0.3)
    raw: dict[str, NDArray[np.float64]] = {
        "click": _clicks(1, 0.05, -6.0),
        "click-train": _clicks(5, 0.06, -10.0),
        "thump": thump,
        "hum-50hz": hum50,
        "buzz-60hz": hum60,
        "white-100ms": _level(rng.normal(0, 1, _secs(0.1)), -25.0),
        "white-400ms": _level(rng.normal(0, 1, _secs(0.4)), -30.0),
        "pink-150ms": _level(_coloured(rng, _secs(0.15), 1.0), -25.0),
        "pink-500ms": _level(_coloured(rng, _secs(0.5), 1.0), -30.0),
        "brown-600ms": _level(_coloured(rng, _secs(0.6), 2.0), -25.0),
        "breath-in": _level(_band(rng, _secs(0.45), 600, 3000) * _envelope(_secs(0.45)), -36.0),
        "breath-out": _level(_band(rng, _secs(0.35), 250, 1800) * _envelope(_secs(0.35)), -32.0),
        "beep-1khz": _level(np.sin(2 * np.pi * 1000 * tb), -20.0),
        "hiss-swell": _level(rng.normal(0, 1, _secs(0.6)) * np.linspace(0, 1, _secs(0.6)), -35.0),
        "rustle": _level(rustle, -30.0),
    }
    clips = []
    for label, x in raw.items():
        pcm = np.clip(np.round(x), -32768, 32767).astype(np.int16)
        pcm.setflags(write=False)
        clips.append(Clip(label, pcm))
    return tuple(clips)


def scene(
    clip: NDArray[np.int16], *, offset_ms: float, background_rms: float = 0.0, seed: int = 0
) -> tuple[NDArray[np.int16], float, float]:
    """`clip` after `LEAD_S` plus `offset_ms` of background, then `TAIL_S` of it.

    The offset moves the clip against the VAD's windows (32 ms for Silero at 16 kHz; the
    0.5 s lead is 15.625 windows, so the phase is (offset + 20 ms) mod 32 ms and offsets
    0-31 ms cover every phase).
    `background_rms` (int16 units; 0 is digital silence) adds seeded white noise
    everywhere. Returns (pcm, clip start s, clip end s).
    """
    lead = _secs(LEAD_S) + round(offset_ms * RATE / 1000)
    pcm = np.concatenate((np.zeros(lead), clip.astype(np.float64), np.zeros(_secs(TAIL_S))))
    if background_rms > 0.0:
        pcm += np.random.default_rng(seed).normal(0.0, background_rms, pcm.size)
    out = np.clip(np.round(pcm), -32768, 32767).astype(np.int16)
    return out, lead / RATE, (lead + clip.size) / RATE


def followed_by(
    first: Clip, second: Clip, *, offset_ms: float, gap_s: float, background_rms: float = 0.0
) -> tuple[NDArray[np.int16], float, float]:
    """`scene(first)`, then `second` `gap_s` after `first` ends ("Wait, stop...").

    Returns (pcm, start of `first` s, start of `second` s).
    """
    pcm, start, end = scene(first.pcm, offset_ms=offset_ms, background_rms=background_rms)
    at = round((end + gap_s) * RATE)
    out = np.zeros(max(pcm.size, at + second.pcm.size + _secs(TAIL_S)), np.int32)
    out[: pcm.size] = pcm
    out[at : at + second.pcm.size] += second.pcm
    return np.clip(out, -32768, 32767).astype(np.int16), start, at / RATE
