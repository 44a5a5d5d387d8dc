"""G.711 mu-law and A-law in numpy, bit-exact with the ITU-T G.191 reference (g711.c).

The encoders follow the ITU Software Tool Library: 16-bit input, negative samples taken
as one's complement (`~x`), so -1..-4 (mu-law) and -1..-16 (A-law) map to the negative
zero code. Both directions are table lookups built once at import (64 KiB per law).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

MULAW_SILENCE = 0xFF
"""mu-law code of a zero sample."""
ALAW_SILENCE = 0xD5
"""A-law code of a zero sample."""


def _mulaw_table() -> NDArray[np.uint8]:
    x = np.arange(-32768, 32768, dtype=np.int32)
    mag = np.minimum(np.where(x < 0, ~x, x) + 132, 32767)  # 4 * (14-bit magnitude + 33)
    seg = np.clip(np.floor(np.log2(mag)).astype(np.int32) - 7, 0, 7)
    mantissa = (mag >> (seg + 3)) & 0x0F
    code = ~((seg << 4) | mantissa) & 0x7F
    table: NDArray[np.uint8] = np.where(x >= 0, code | 0x80, code).astype(np.uint8)
    return table


def _alaw_table() -> NDArray[np.uint8]:
    x = np.arange(-32768, 32768, dtype=np.int32)
    mag = np.where(x < 0, ~x, x) >> 4  # 12-bit magnitude of the 13-bit A-law input
    seg = np.clip(np.floor(np.log2(np.maximum(mag, 1))).astype(np.int32) - 3, 0, 7)
    mantissa = np.where(seg == 0, mag, mag >> np.maximum(seg - 1, 0)) & 0x0F
    code = (seg << 4) | mantissa
    table: NDArray[np.uint8] = (np.where(x >= 0, code | 0x80, code) ^ 0x55).astype(np.uint8)
    return table


def _mulaw_expand() -> NDArray[np.int16]:
    code = ~np.arange(256, dtype=np.int32) & 0xFF
    seg = (code >> 4) & 0x07
    mag = ((((code & 0x0F) << 3) + 132) << seg) - 132
    table: NDArray[np.int16] = np.where(code & 0x80, -mag, mag).astype(np.int16)
    return table


def _alaw_expand() -> NDArray[np.int16]:
    raw = np.arange(256, dtype=np.int32)
    code = raw ^ 0x55
    seg = (code >> 4) & 0x07
    mantissa = code & 0x0F
    mag = np.where(seg == 0, (mantissa << 4) + 8, ((mantissa + 16) << 4) + 8)
    mag = mag << np.maximum(seg - 1, 0)
    table: NDArray[np.int16] = np.where(raw & 0x80, mag, -mag).astype(np.int16)
    return table


_MULAW_ENC = _mulaw_table()
_ALAW_ENC = _alaw_table()
_MULAW_DEC = _mulaw_expand()
_ALAW_DEC = _alaw_expand()


def mulaw_encode(pcm: NDArray[np.int16]) -> bytes:
    """Encode int16 samples to G.711 mu-law bytes."""
    return _MULAW_ENC[pcm.astype(np.int32) + 32768].tobytes()


def mulaw_decode(data: bytes) -> NDArray[np.int16]:
    """Decode G.711 mu-law bytes to int16 samples."""
    return _MULAW_DEC[np.frombuffer(data, dtype=np.uint8)]


def alaw_encode(pcm: NDArray[np.int16]) -> bytes:
    """Encode int16 samples to G.711 A-law bytes."""
    return _ALAW_ENC[pcm.astype(np.int32) + 32768].tobytes()


def alaw_decode(data: bytes) -> NDArray[np.int16]:
    """Decode G.711 A-law bytes to int16 samples."""
    return _ALAW_DEC[np.frombuffer(data, dtype=np.uint8)]
