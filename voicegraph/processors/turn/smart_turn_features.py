"""Whisper-style log-mel features, the input Smart Turn v3 models expect (numpy only).

The model is a Whisper encoder with a classifier head, trained on features from
`transformers.WhisperFeatureExtractor(chunk_length=8)` with `do_normalize=True`: 8 s of
16 kHz audio (zero-variance normalized waveform), a 400-point periodic-Hann STFT every
160 samples, 80 Slaney mel bands from 0 to 8 kHz, log10, floored at 8 below the maximum,
then `(x + 4) / 4`. This module computes the same thing without `transformers` or torch.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

RATE = 16000
"""Sample rate the features (and the model) are defined at."""
WINDOW_S = 8
"""Seconds of audio in one input: longer audio keeps its end, shorter is zero-padded in front."""
N_FFT = 400
HOP = 160
N_MELS = 80
FRAMES = WINDOW_S * RATE // HOP
"""Feature frames per input (800)."""


def _hz_to_mel(hz: NDArray[np.float64]) -> NDArray[np.float64]:
    """Slaney mel scale: linear below 1 kHz, logarithmic above."""
    linear = 3.0 * hz / 200.0
    logarithmic = 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) * (27.0 / np.log(6.4))
    return np.where(hz >= 1000.0, logarithmic, linear)


def _mel_to_hz(mel: NDArray[np.float64]) -> NDArray[np.float64]:
    linear = 200.0 * mel / 3.0
    logarithmic = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0))
    return np.where(mel >= 15.0, logarithmic, linear)


@functools.cache
def mel_filters() -> NDArray[np.float64]:
    """The (N_FFT // 2 + 1, N_MELS) Slaney-normalized triangular filterbank, 0 to 8 kHz."""
    edges = _mel_to_hz(np.linspace(0.0, float(_hz_to_mel(np.array(RATE / 2.0))), N_MELS + 2))
    bins = np.linspace(0.0, RATE // 2, N_FFT // 2 + 1)
    lower, centre, upper = edges[:-2], edges[1:-1], edges[2:]
    rising = (bins[:, None] - lower[None, :]) / (centre - lower)[None, :]
    falling = (upper[None, :] - bins[:, None]) / (upper - centre)[None, :]
    bank = np.maximum(0.0, np.minimum(rising, falling))
    bank *= (2.0 / (upper - lower))[None, :]  # equal area per band (Slaney norm)
    filters: NDArray[np.float64] = bank
    return filters


def fit_window(audio: NDArray[np.float32]) -> NDArray[np.float32]:
    """The last WINDOW_S seconds of 16 kHz audio, zero-padded in front when shorter."""
    size = WINDOW_S * RATE
    if len(audio) >= size:
        return audio[-size:]
    return np.concatenate([np.zeros(size - len(audio), np.float32), audio])


def log_mel_features(audio: NDArray[np.float32]) -> NDArray[np.float32]:
    """Features of exactly WINDOW_S seconds of 16 kHz float audio: shape (N_MELS, FRAMES).

    Audio of another length is padded at the end or cut (use `fit_window` first to keep
    the end of a longer turn, as the model was trained).
    """
    size = WINDOW_S * RATE
    x = np.zeros(size, np.float32)
    x[: min(size, len(audio))] = audio[:size]
    x = (x - x.mean()) / np.sqrt(x.var() + 1e-7)  # in float32, as the reference does
    padded = np.pad(x.astype(np.float64), N_FFT // 2, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP]
    hann = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(N_FFT) / N_FFT)  # periodic
    power = np.abs(np.fft.rfft(frames * hann, axis=-1)) ** 2  # (frames + 1, bins)
    mel = np.log10(np.maximum(power[:-1] @ mel_filters(), 1e-10)).T
    mel = np.maximum(mel, mel.max() - 8.0)
    out: NDArray[np.float32] = ((mel + 4.0) / 4.0).astype(np.float32)
    return out
