"""G711Decoder: G.711 mu-law or A-law audio frames to linear PCM."""

from __future__ import annotations

import dataclasses
from typing import ClassVar, Literal

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.latency import LatencySpec
from voicegraph.processors.audio.format_converter import FormatConverter

_LAWS = (SampleFormat.MULAW, SampleFormat.ALAW)
_G711 = tuple(AudioFormat(8000, c, law) for law in _LAWS for c in (1, 2))


class G711Decoder(FormatConverter):
    """Decodes G.711 audio frames (either law, read from the frame's format) to PCM.

    Handles AudioFrame; mu-law and A-law frames come out as the same frame class in
    `to` ("s16" or "f32") at the same rate and channel count; linear frames pass
    unchanged at run time. At build time it takes only G.711 (8 kHz, mono or stereo; other
    rates get a converter): s16 or Opus packets on its input fail with not_negotiated.
    Adds no latency; flush and drain have nothing to do (no state).

    Args:
        to: the linear sample format, "s16" (default) or "f32".
        name: node name.

    Raises:
        VoiceError: (invalid_config) `to` is not a linear format.
    """

    latency = LatencySpec(0.0, "per-sample table lookup")
    accepts = _G711
    crosses_encoding: ClassVar[bool] = True
    """A codec node: negotiation never encodes or decodes beside it."""

    def __init__(self, *, to: Literal["s16", "f32"] = "s16", name: str | None = None) -> None:
        if to not in ("s16", "f32"):
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"G.711 decodes to s16 or f32, not {to!r}")
        self.linear = SampleFormat(to)
        super().__init__(to=AudioFormat(8000, 1, self.linear), name=name)

    def target(self, src: AudioFormat) -> AudioFormat:
        """`src` in the linear format when it is G.711, else `src` unchanged."""
        if src.sample_format in _LAWS:
            return dataclasses.replace(src, sample_format=self.linear)
        return src
