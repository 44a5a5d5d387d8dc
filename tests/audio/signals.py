"""Test signals and measurements for the audio processor tests."""

from __future__ import annotations

from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

G = TypeVar("G", bound=np.generic)

TONES_HZ = (200.0, 450.0, 1000.0, 2500.0, 5000.0, 7000.0)
"""Tones inside the passband of every rate from 16 kHz up."""


def tones(
    rate: int, seconds: float, freqs: tuple[float, ...] = TONES_HZ, amp: float = 0.12
) -> NDArray[np.float32]:
    """A sum of sines (fixed phases) at `rate`, float32 mono."""
    t = np.arange(round(rate * seconds)) / rate
    x = sum(amp * np.sin(2 * np.pi * f * t + i) for i, f in enumerate(freqs))
    return np.asarray(x, dtype=np.float32)


def snr_db(reference: NDArray[np.generic], actual: NDArray[np.generic]) -> float:
    """Signal-to-error ratio of `actual` against `reference` (same length), in dB."""
    r = reference.astype(np.float64)
    e = actual.astype(np.float64) - r
    return float(10 * np.log10(np.sum(r * r) / max(np.sum(e * e), 1e-30)))


def best_lag(reference: NDArray[np.generic], actual: NDArray[np.generic], max_lag: int) -> int:
    """The delay (samples) of `actual` behind `reference` that maximises their correlation."""
    n = min(len(reference), len(actual)) - max_lag
    r = reference[:n].astype(np.float64)
    a = actual[: n + max_lag].astype(np.float64)
    size = 1 << int(np.ceil(np.log2(len(a) + n)))
    xc = np.fft.irfft(np.fft.rfft(a, size) * np.conj(np.fft.rfft(r, size)), size)
    return int(np.argmax(xc[: max_lag + 1]))


def aligned_snr_db(reference: NDArray[np.generic], actual: NDArray[np.generic], max_lag: int) -> float:
    """SNR after delaying `reference` by the best lag and fitting the gain (least squares)."""
    lag = best_lag(reference, actual, max_lag)
    n = min(len(reference), len(actual) - lag)
    r = reference[:n].astype(np.float64)
    a = actual[lag : lag + n].astype(np.float64)
    gain = float(np.dot(r, a) / max(np.dot(r, r), 1e-30))
    return snr_db(r * gain, a)


def chunks(x: NDArray[G], size: int) -> list[NDArray[G]]:
    """`x` cut into consecutive pieces of `size` (the last may be shorter)."""
    return [x[i : i + size] for i in range(0, len(x), size)]
