"""Audio frames: PCM bytes plus their `AudioFormat`; every frame knows its duration."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from voicegraph.framework.formats import PCM16K, AudioFormat, SampleFormat
from voicegraph.framework.frames.base import DataFrame

if TYPE_CHECKING:
    from numpy.typing import NDArray

_DTYPES: dict[SampleFormat, np.dtype[np.generic]] = {
    SampleFormat.S16: np.dtype("<i2"),
    SampleFormat.F32: np.dtype("<f4"),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class AudioFrame(DataFrame):
    """A chunk of interleaved PCM audio."""

    data: bytes = field(repr=False)
    """Interleaved samples in `format`."""
    format: AudioFormat = PCM16K
    """Rate, channels and sample format of `data`."""

    @property
    def duration_ns(self) -> int:
        """Duration of the chunk in nanoseconds."""
        return self.format.duration_ns(len(self.data))

    @property
    def duration_ms(self) -> float:
        """Duration of the chunk in milliseconds."""
        return self.duration_ns / 1e6

    @property
    def num_samples(self) -> int:
        """Sample frames per channel."""
        return len(self.data) // self.format.frame_bytes

    def samples(self) -> NDArray[np.generic]:
        """A read-only numpy view of the samples (int16 or float32), shape (n * channels,)."""
        dtype: np.dtype[np.generic] = _DTYPES.get(self.format.sample_format, np.dtype(np.uint8))
        view: NDArray[np.generic] = np.frombuffer(self.data, dtype=dtype)
        return view


@dataclass(frozen=True, slots=True, kw_only=True)
class InputAudioFrame(AudioFrame):
    """Audio from the user (the transport's input side)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OutputAudioFrame(AudioFrame):
    """Audio for the user (bot speech on its way to the output transport)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TTSAudioFrame(OutputAudioFrame):
    """Synthesized speech; `text` is the text this chunk belongs to, when known."""

    text: str = ""
    """Words this chunk speaks (set on the first chunk of a sentence or word)."""
    word_times_ms: tuple[tuple[str, float], ...] = ()
    """(word, start offset in ms within this chunk) pairs where the TTS gave timing."""
