"""A synthesized room: the bot's audio leaking into the microphone, with reverb.

    mic = echo(bot, delay_ms=100, level_db=-20) + user

The echo path: an exponentially decaying noise impulse response (seeded; RT60
`rt60_ms`) after a unit direct path, normalized to unit energy, delayed and scaled.
Mono int16 at 16 kHz, like tests/processors/vad/barge_in_set.py.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import NDArray

from tests.speech import synthesize

RATE = 16000
BOT_LINE = (
    "Sure. The weather tomorrow looks sunny with a light breeze in the afternoon, and the "
    "evening will be cool, so bring a jacket if you go out."
)


@functools.cache
def bot_speech() -> NDArray[np.int16]:
    """The bot's reply (Piper), about 9 s."""
    return synthesize(BOT_LINE, engine="piper", rate=RATE)


def impulse_response(rt60_ms: float = 150.0, seed: int = 0) -> NDArray[np.float64]:
    """A unit-energy room response: direct path plus an exponential-decay noise tail."""
    n = int(RATE * rt60_ms * 2 / 1000)
    t = np.arange(n) / RATE
    ir = np.random.default_rng(seed).normal(0.0, 1.0, n) * np.exp(-t * 6.9 / (rt60_ms / 1000)) * 0.3
    ir[0] = 1.0
    out: NDArray[np.float64] = ir / np.sqrt(np.sum(ir**2))
    return out


def echo(
    played: NDArray[np.int16], *, delay_ms: float, level_db: float, rt60_ms: float = 150.0
) -> NDArray[np.float64]:
    """What the microphone picks up of `played`: reverb, then `delay_ms`, at `level_db`."""
    wet = np.convolve(played.astype(np.float64), impulse_response(rt60_ms))[: played.size]
    d = int(RATE * delay_ms / 1000)
    out: NDArray[np.float64] = np.concatenate((np.zeros(d), wet))[: played.size] * 10 ** (level_db / 20)
    return out


def mix(*parts: NDArray[np.float64] | NDArray[np.int16], noise_rms: float = 30.0) -> NDArray[np.int16]:
    """Sum equal-length signals plus seeded white noise, clipped to int16."""
    total = np.sum([p.astype(np.float64) for p in parts], axis=0)
    total += np.random.default_rng(1).normal(0.0, noise_rms, total.size)
    out: NDArray[np.int16] = np.clip(np.round(total), -32768, 32767).astype(np.int16)
    return out


def place(clip: NDArray[np.int16], at_s: float, n: int) -> NDArray[np.int16]:
    """`clip` at `at_s` in a silent signal of `n` samples."""
    out = np.zeros(n, np.int16)
    i = int(at_s * RATE)
    m = min(clip.size, n - i)
    out[i : i + m] = clip[:m]
    return out
