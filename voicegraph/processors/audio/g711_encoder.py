"""G711Encoder: PCM audio frames to G.711 mu-law or A-law (bit-exact with ITU G.191)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar, Literal

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.latency import LatencySpec
from voicegraph.processors.audio.format_converter import FormatConverter

Law = Literal["mulaw", "alaw"]


class G711Encoder(FormatConverter):
    """Encodes audio frames to G.711 at the same rate and channel count.

    Handles AudioFrame (s16, f32 or the other law); emits the same frame class in
    `law`, one per input frame, 1 byte per sample, at the input's rate. Opus packets on
    its input fail at build time with not_negotiated; its mu-law/A-law output goes only
    to nodes that take G.711 (a G711Decoder, a telephony output), never through a
    hidden decoder. Adds no latency; flush and drain have nothing to do (no state).

    Args:
        law: "mulaw" (North America, Japan) or "alaw" (Europe).
        name: node name.

    Raises:
        VoiceError: (invalid_config) unknown law.
    """

    latency = LatencySpec(0.0, "per-sample table lookup")
    crosses_encoding: ClassVar[bool] = True
    """A codec node: negotiation never encodes or decodes beside it."""

    def __init__(self, *, law: Law = "mulaw", name: str | None = None) -> None:
        if law not in ("mulaw", "alaw"):
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"unknown G.711 law {law!r}")
        self.law = SampleFormat(law)
        super().__init__(to=AudioFormat(8000, 1, self.law), name=name)

    def target(self, src: AudioFormat) -> AudioFormat:
        """`src` with the sample format set to the law."""
        return dataclasses.replace(src, sample_format=self.law)
