"""Audio formats: what a PCM buffer holds, agreed between nodes when a graph is built."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Encoding(enum.StrEnum):
    """Family of a sample format: what it takes to turn one into another.

    Negotiation converts freely within a family (rate, channels, s16/f32). Between linear
    PCM and G.711 it converts only where no codec node is on the link (a telephony input
    meeting a PCM node); Opus packets it never converts: only Opus nodes cross that line.
    """

    LINEAR = "linear"
    G711 = "g711"
    OPUS = "opus"


class SampleFormat(enum.StrEnum):
    """Encoding of the audio on a link: linear PCM, G.711 samples or Opus packets."""

    S16 = "s16"  # signed 16-bit little-endian
    F32 = "f32"  # 32-bit float little-endian, [-1, 1]
    MULAW = "mulaw"  # G.711 mu-law, 8 bit
    ALAW = "alaw"  # G.711 A-law, 8 bit
    OPUS = "opus"  # Opus packets (EncodedAudioFrame): no fixed sample width

    @property
    def encoding(self) -> Encoding:
        """The family this format belongs to."""
        return _ENCODING[self]

    @property
    def width(self) -> int:
        """Bytes per sample.

        Raises:
            ValueError: a packet format (Opus) has no sample width.
        """
        if self not in _WIDTH:
            raise ValueError(f"{self} is a packet format: it has no sample width")
        return _WIDTH[self]


_WIDTH = {SampleFormat.S16: 2, SampleFormat.F32: 4, SampleFormat.MULAW: 1, SampleFormat.ALAW: 1}
_ENCODING = {
    SampleFormat.S16: Encoding.LINEAR,
    SampleFormat.F32: Encoding.LINEAR,
    SampleFormat.MULAW: Encoding.G711,
    SampleFormat.ALAW: Encoding.G711,
    SampleFormat.OPUS: Encoding.OPUS,
}


@dataclass(frozen=True, slots=True)
class AudioFormat:
    """Sample rate, channel count and sample format of the audio on a link.

    For Opus (`SampleFormat.OPUS`) rate and channels are those the packets were made at.
    """

    rate: int = 16000
    """Samples per second per channel."""
    channels: int = 1
    """Interleaved channel count."""
    sample_format: SampleFormat = SampleFormat.S16
    """Encoding of each sample."""

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.channels <= 0:
            raise ValueError(f"invalid audio format {self.rate} Hz x {self.channels}")

    @property
    def frame_bytes(self) -> int:
        """Bytes per sample frame (one sample of every channel)."""
        return self.channels * self.sample_format.width

    def bytes_for(self, duration_ns: int) -> int:
        """Bytes holding `duration_ns` of audio (rounded down to whole sample frames)."""
        return self.rate * duration_ns // 1_000_000_000 * self.frame_bytes

    def duration_ns(self, nbytes: int) -> int:
        """Duration of `nbytes` of audio in this format."""
        return nbytes // self.frame_bytes * 1_000_000_000 // self.rate

    def __str__(self) -> str:
        return f"{self.rate}Hz/{self.channels}ch/{self.sample_format}"


PCM16K = AudioFormat(16000, 1, SampleFormat.S16)
PCM24K = AudioFormat(24000, 1, SampleFormat.S16)
PCM48K = AudioFormat(48000, 1, SampleFormat.S16)
MULAW8K = AudioFormat(8000, 1, SampleFormat.MULAW)
ALAW8K = AudioFormat(8000, 1, SampleFormat.ALAW)
