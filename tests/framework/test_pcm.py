from __future__ import annotations

import numpy as np

from tests.audio import g711_reference as ref
from voicegraph.framework import AudioFormat, SampleFormat, pcm

ALL = np.arange(-32768, 32768, dtype=np.int32).astype(np.int16)


def test_mulaw_matches_the_itu_reference_for_every_input() -> None:
    assert pcm.mulaw_encode(ALL) == bytes(ref.ulaw_compress(int(x)) for x in ALL)
    assert pcm.mulaw_decode(bytes(range(256))).tolist() == [ref.ulaw_expand(c) for c in range(256)]


def test_alaw_matches_the_itu_reference_for_every_input() -> None:
    assert pcm.alaw_encode(ALL) == bytes(ref.alaw_compress(int(x)) for x in ALL)
    assert pcm.alaw_decode(bytes(range(256))).tolist() == [ref.alaw_expand(c) for c in range(256)]


def test_s16_to_float_and_back_is_lossless() -> None:
    fmt = AudioFormat(16000, 1, SampleFormat.S16)
    data = ALL.astype("<i2").tobytes()
    assert pcm.from_float(pcm.to_float(data, fmt), fmt) == data
