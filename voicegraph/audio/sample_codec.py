"""Sample codec: interleaved bytes in any `SampleFormat` to numpy blocks and back.

Blocks have shape (frames, channels): int16 for s16 and the G.711 laws, float32 for f32.
Decoded f32 samples are finite and within [-1, 1] (NaN -> 0, out of range clipped).
s16 <-> f32 scales by 32768 both ways, so s16 -> f32 -> s16 is lossless.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from voicegraph.audio.g711 import (
    ALAW_SILENCE,
    MULAW_SILENCE,
    alaw_decode,
    alaw_encode,
    mulaw_decode,
    mulaw_encode,
)
from voicegraph.framework.formats import SampleFormat

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from voicegraph.framework.formats import AudioFormat

_SCALE = 32768.0


def work_dtype(sample_format: SampleFormat) -> type[np.int16] | type[np.float32]:
    """numpy dtype a format decodes to: float32 for f32, int16 for the rest."""
    return np.float32 if sample_format is SampleFormat.F32 else np.int16


def decode(data: bytes, fmt: AudioFormat) -> NDArray[np.int16] | NDArray[np.float32]:
    """Bytes in `fmt` to a (frames, channels) block in the format's working dtype."""
    sf = fmt.sample_format
    usable = len(data) - len(data) % fmt.frame_bytes
    data = data[:usable]
    x: NDArray[np.int16] | NDArray[np.float32]
    if sf is SampleFormat.S16:
        x = np.frombuffer(data, dtype="<i2").astype(np.int16)
    elif sf is SampleFormat.F32:
        # bytes from outside may hold NaN, inf or 1e38: clean them here, so the casts and
        # sums downstream never meet a value they cannot hold (issue 18, bad input)
        raw = np.frombuffer(data, dtype="<f4").astype(np.float32)
        x = np.clip(np.nan_to_num(raw, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)
    elif sf is SampleFormat.MULAW:
        x = mulaw_decode(data)
    else:
        x = alaw_decode(data)
    return x.reshape(-1, fmt.channels)


def encode(x: NDArray[np.int16] | NDArray[np.float32], fmt: AudioFormat) -> bytes:
    """A (frames, channels) block to bytes in `fmt` (the block's dtype must match `work_dtype`)."""
    sf = fmt.sample_format
    if sf is SampleFormat.F32:
        return x.astype("<f4").tobytes()
    flat = x.reshape(-1)
    if sf is SampleFormat.S16:
        return flat.astype("<i2").tobytes()
    if sf is SampleFormat.MULAW:
        return mulaw_encode(flat.astype(np.int16))
    return alaw_encode(flat.astype(np.int16))


def to_dtype(
    x: NDArray[np.int16] | NDArray[np.float32], dtype: type[np.int16] | type[np.float32]
) -> NDArray[np.int16] | NDArray[np.float32]:
    """Convert a block between int16 and float32 ([-1, 1), clipped and rounded to int16)."""
    if x.dtype == dtype:
        return x
    if dtype is np.float32:
        return (x.astype(np.float32) / _SCALE).astype(np.float32)
    return np.clip(np.round(x * _SCALE), -32768, 32767).astype(np.int16)


def remix(
    x: NDArray[np.int16] | NDArray[np.float32], channels: int
) -> NDArray[np.int16] | NDArray[np.float32]:
    """Change the channel count: average down to mono, or duplicate mono up."""
    have = x.shape[1]
    if have == channels:
        return x
    if have > 1:
        mean = x.astype(np.float32).mean(axis=1, keepdims=True)
        if x.dtype == np.int16:
            return np.repeat(np.round(mean), channels, axis=1).astype(np.int16)
        return np.repeat(mean, channels, axis=1).astype(np.float32)
    return x.repeat(channels, axis=1)


def silence(fmt: AudioFormat, frames: int) -> bytes:
    """`frames` sample frames of digital silence in `fmt`."""
    n = frames * fmt.channels
    if fmt.sample_format is SampleFormat.MULAW:
        return bytes([MULAW_SILENCE]) * n
    if fmt.sample_format is SampleFormat.ALAW:
        return bytes([ALAW_SILENCE]) * n
    return bytes(n * fmt.sample_format.width)
