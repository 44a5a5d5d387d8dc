"""Hypothesis over audio from outside: buffers of any length (empty, odd byte counts, huge),
at rates and channel counts other than the session's, through the converter every
transport uses (`PcmConverter`). Property: no exception and no warning (tests run with
warnings as errors), and the output is whole sample frames of the target format.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from voicegraph.audio.pcm_converter import PcmConverter
from voicegraph.framework.formats import AudioFormat, SampleFormat

from .strategies import FUZZ

RATES = [8000, 11025, 16000, 22050, 24000, 44100, 48000]
formats = st.builds(
    AudioFormat,
    st.sampled_from(RATES),
    st.integers(1, 2),
    st.sampled_from([SampleFormat.S16, SampleFormat.F32, SampleFormat.MULAW, SampleFormat.ALAW]),
)
buffers = st.binary(max_size=3001) | st.integers(0, 7).map(bytes) | st.sampled_from(["huge", "huge+1"])
"""Random bytes (odd counts, garbage floats: NaN and inf in F32), tiny, and ~1 MB buffers
(named, so a failing example's repr stays short)."""


def _bytes(chunk: bytes | str) -> bytes:
    if isinstance(chunk, bytes):
        return chunk
    return b"\xff\x7f" * 500_000 + (b"\x01" if chunk.endswith("+1") else b"")


@settings(FUZZ, max_examples=60)  # ~1 MB buffers resample slowly: fewer examples
@given(formats, formats, st.lists(buffers, min_size=1, max_size=3))
def test_any_buffer_converts_to_whole_frames_of_the_target_format(
    src: AudioFormat, dst: AudioFormat, chunks: list[bytes | str]
) -> None:
    conv = PcmConverter(src, dst)
    for chunk in chunks:
        assert len(conv.convert(_bytes(chunk))) % dst.frame_bytes == 0
    assert len(conv.finish()) % dst.frame_bytes == 0
