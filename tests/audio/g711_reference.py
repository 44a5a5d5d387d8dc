"""Scalar G.711 reference, transcribed from the ITU-T G.191 Software Tool Library (g711.c).

Deliberately plain Python, one sample at a time, so the vectorised codecs in
`voicegraph.audio.g711` are checked against an independent implementation.
"""

from __future__ import annotations


def ulaw_compress(lin: int) -> int:
    """STL `ulaw_compress` for one 16-bit sample."""
    absno = ((~lin) >> 2) + 33 if lin < 0 else (lin >> 2) + 33
    absno = min(absno, 0x1FFF)
    i = absno >> 6
    segno = 1
    while i != 0:
        segno += 1
        i >>= 1
    high_nibble = 0x0008 - segno
    low_nibble = 0x000F - ((absno >> segno) & 0x000F)
    code = (high_nibble << 4) | low_nibble
    return code | 0x0080 if lin >= 0 else code


def ulaw_expand(code: int) -> int:
    """STL `ulaw_expand` for one code."""
    sign = -1 if code < 0x80 else 1
    mantissa = ~code
    exponent = (mantissa >> 4) & 0x07
    segment = exponent + 1
    mantissa &= 0x0F
    step = 4 << segment
    return sign * ((0x80 << exponent) + step * mantissa + step // 2 - 4 * 33)


def alaw_compress(lin: int) -> int:
    """STL `alaw_compress` for one 16-bit sample."""
    ix = (~lin) >> 4 if lin < 0 else lin >> 4
    if ix > 15:
        iexp = 1
        while ix > 16 + 15:
            ix >>= 1
            iexp += 1
        ix -= 16
        ix += iexp << 4
    if lin >= 0:
        ix |= 0x0080
    return ix ^ 0x0055


def alaw_expand(code: int) -> int:
    """STL `alaw_expand` for one code."""
    ix = (code ^ 0x55) & 0x7F
    iexp = ix >> 4
    mant = ix & 0x0F
    if iexp > 0:
        mant += 16
    mant = (mant << 4) + 0x0008
    if iexp > 1:
        mant <<= iexp - 1
    return mant if code > 127 else -mant
