"""EncodedAudioFrame: one packet of compressed audio (Opus) between an encoder and a decoder."""

from __future__ import annotations

from dataclasses import dataclass, field

from voicegraph.framework.formats import PCM48K, AudioFormat
from voicegraph.framework.frames.base import DataFrame


@dataclass(frozen=True, slots=True, kw_only=True)
class EncodedAudioFrame(DataFrame):
    """A compressed audio packet; `format` is the PCM it decodes to."""

    data: bytes = field(repr=False)
    """The packet."""
    codec: str = "opus"
    """Codec name, lower case."""
    format: AudioFormat = PCM48K
    """Rate and channels the packet was encoded from (s16)."""
    duration_ns: int = 0
    """Audio duration the packet holds."""
