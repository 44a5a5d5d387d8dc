"""PCM helpers in numpy: sample formats, channels, G.711 (no `audioop`, gone in 3.13)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from voicegraph.framework.formats import AudioFormat, SampleFormat

if TYPE_CHECKING:
    from numpy.typing import NDArray

_MU = 255.0
_BIAS = 0x84
_CLIP = 32635


def mulaw_encode(pcm: NDArray[np.int16]) -> bytes:
    """Encode int16 samples to G.711 mu-law bytes (ITU-T G.711, segment encoding)."""
    x = pcm.astype(np.int32)
    sign = np.where(x < 0, 0x80, 0x00)
    mag = np.minimum(np.where(x < 0, ~x, x), _CLIP) + _BIAS  # G.711: one's complement for negatives
    exponent = np.floor(np.log2(mag)).astype(np.int32) - 7
    exponent = np.clip(exponent, 0, 7)
    mantissa = (mag >> (exponent + 3)) & 0x0F
    code = ~(sign | (exponent << 4) | mantissa) & 0xFF
    out: bytes = code.astype(np.uint8).tobytes()
    return out


def mulaw_decode(data: bytes) -> NDArray[np.int16]:
    """Decode G.711 mu-law bytes to int16 samples."""
    code = ~np.frombuffer(data, dtype=np.uint8).astype(np.int32) & 0xFF
    sign = code & 0x80
    exponent = (code >> 4) & 0x07
    mantissa = code & 0x0F
    mag = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(sign != 0, -mag, mag).astype(np.int16)


def alaw_encode(pcm: NDArray[np.int16]) -> bytes:
    """Encode int16 samples to G.711 A-law bytes."""
    x = pcm.astype(np.int32) >> 3  # A-law works on 13-bit magnitudes
    sign = np.where(x >= 0, 0x80, 0x00)
    mag = np.where(x >= 0, x, -x - 1)
    mag = np.minimum(mag, 0x0FFF)
    exponent = np.where(mag >= 32, np.floor(np.log2(np.maximum(mag, 1))).astype(np.int32) - 4, 0)
    exponent = np.clip(exponent, 0, 7)
    mantissa = np.where(exponent == 0, mag >> 1, mag >> exponent) & 0x0F
    code = (sign | (exponent << 4) | mantissa) ^ 0x55
    out: bytes = code.astype(np.uint8).tobytes()
    return out


def alaw_decode(data: bytes) -> NDArray[np.int16]:
    """Decode G.711 A-law bytes to int16 samples."""
    code = np.frombuffer(data, dtype=np.uint8).astype(np.int32) ^ 0x55
    sign = code & 0x80
    exponent = (code >> 4) & 0x07
    mantissa = code & 0x0F
    seg = ((mantissa << 4) + 0x108) << np.maximum(exponent - 1, 0)
    mag = np.where(exponent == 0, (mantissa << 4) + 8, seg)
    return np.where(sign != 0, mag, -mag).astype(np.int16)


def to_float(data: bytes, fmt: AudioFormat) -> NDArray[np.float32]:
    """Decode interleaved PCM to float32 of shape (frames, channels) in [-1, 1]."""
    sf = fmt.sample_format
    if sf is SampleFormat.S16:
        x = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
    elif sf is SampleFormat.F32:
        x = np.frombuffer(data, dtype="<f4").astype(np.float32)
    elif sf is SampleFormat.MULAW:
        x = mulaw_decode(data).astype(np.float32) / 32768.0
    else:
        x = alaw_decode(data).astype(np.float32) / 32768.0
    return x.reshape(-1, fmt.channels)


def from_float(x: NDArray[np.float32], fmt: AudioFormat) -> bytes:
    """Encode float32 (frames, channels) to interleaved PCM in `fmt` (clipping to range)."""
    flat = np.clip(x.reshape(-1), -1.0, 1.0)
    sf = fmt.sample_format
    if sf is SampleFormat.F32:
        return flat.astype("<f4").tobytes()
    pcm = np.clip(np.round(flat * 32768.0), -32768, 32767).astype(np.int16)
    if sf is SampleFormat.S16:
        return pcm.astype("<i2").tobytes()
    if sf is SampleFormat.MULAW:
        return mulaw_encode(pcm)
    return alaw_encode(pcm)


def remix(x: NDArray[np.float32], channels: int) -> NDArray[np.float32]:
    """Change the channel count of (frames, ch) audio: average down, duplicate up."""
    have = x.shape[1]
    if have == channels:
        return x
    mono = x.mean(axis=1, keepdims=True) if have > 1 else x
    return np.repeat(mono, channels, axis=1).astype(np.float32)
