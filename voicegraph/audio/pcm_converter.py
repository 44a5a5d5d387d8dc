"""PcmConverter: sample format, channel count and rate conversion of a PCM stream."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from voicegraph.audio import sample_codec
from voicegraph.audio.stream_resampler import StreamResampler
from voicegraph.framework.formats import SampleFormat

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from voicegraph.audio.stream_resampler import Quality
    from voicegraph.framework.formats import AudioFormat


class PcmConverter:
    """Converts byte buffers from `src` to `dst` format; I/O-free and synchronous.

    Decodes (G.711 laws to int16), mixes down before resampling and up after (so the
    resampler runs on the fewest channels), resamples with `StreamResampler` (int16
    unless either side is f32), then encodes. Only a rate change buffers audio: see
    `StreamResampler` for the steady FIFO and its latency. A trailing partial sample
    frame in a buffer is dropped.

    Args:
        src: format of the buffers given to `convert`.
        dst: format of the buffers returned.
        quality: soxr quality recipe for rate changes.
        steady: steady output chunk lengths for rate changes (adds the FIFO latency).
    """

    def __init__(
        self, src: AudioFormat, dst: AudioFormat, *, quality: Quality = "HQ", steady: bool = True
    ) -> None:
        self.src, self.dst = src, dst
        wide = SampleFormat.F32 in (src.sample_format, dst.sample_format)
        self._dtype: type[np.int16] | type[np.float32] = np.float32 if wide else np.int16
        self._mid_channels = min(src.channels, dst.channels)
        self._resampler = (
            StreamResampler(
                src.rate, dst.rate, self._mid_channels, dtype=self._dtype, quality=quality, steady=steady
            )
            if src.rate != dst.rate
            else None
        )

    @property
    def latency_ms(self) -> float:
        """Latency added by the resampler's FIFO (0 until the first buffer, or without rate change)."""
        return self._resampler.latency_ms if self._resampler is not None else 0.0

    def convert(self, data: bytes) -> bytes:
        """Convert one buffer; with a rate change, returns the output ready so far."""
        if self.src == self.dst:
            return data[: len(data) - len(data) % self.src.frame_bytes]
        x = sample_codec.decode(data, self.src)
        x = sample_codec.remix(sample_codec.to_dtype(x, self._dtype), self._mid_channels)
        if self._resampler is not None:
            x = self._resampler.process(x)
        return self._encode(x)

    def finish(self) -> bytes:
        """End of stream: the resampler's held audio and tail (empty without rate change)."""
        if self._resampler is None:
            return b""
        return self._encode(self._resampler.finish())

    def reset(self) -> None:
        """Forget held audio (interruption)."""
        if self._resampler is not None:
            self._resampler.reset()

    def _encode(self, x: NDArray[np.int16] | NDArray[np.float32]) -> bytes:
        x = sample_codec.remix(x, self.dst.channels)
        x = sample_codec.to_dtype(x, sample_codec.work_dtype(self.dst.sample_format))
        return sample_codec.encode(x, self.dst)
