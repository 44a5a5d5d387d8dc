"""InboundAudioConverter: decoded WebRTC audio frames to PCM in a session's input format."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from voicegraph.audio.pcm_converter import PcmConverter
from voicegraph.framework.formats import AudioFormat, SampleFormat

if TYPE_CHECKING:
    from av import AudioFrame
    from av.audio.resampler import AudioResampler


class InboundAudioConverter:
    """Converts `av.AudioFrame`s (Opus decodes to 48 kHz stereo s16) to bytes in `dst`.

    I/O-free and synchronous. Packed s16 goes straight to a soxr `PcmConverter` (mixed
    down to mono first, then resampled); other sample layouts are first repacked to s16
    by PyAV. A change of the incoming format rebuilds the converter. Latency: soxr's
    block buffering, unsmoothed (`steady=False`), so the output comes in bursts (from
    48 kHz at HQ: 0 or ~30 ms per 20 ms frame) but holds back only what soxr needs,
    about 14 ms on average instead of 37 ms. `reset` forgets held audio.

    Args:
        dst: the session's input format.
    """

    def __init__(self, dst: AudioFormat) -> None:
        self.dst = dst
        self._src: AudioFormat | None = None
        self._core: PcmConverter | None = None
        self._repack: AudioResampler | None = None

    @property
    def latency_ms(self) -> float:
        """Audio held by the resampler, in ms."""
        return self._core.latency_ms if self._core is not None else 0.0

    def convert(self, frame: AudioFrame) -> bytes:
        """The frame's audio in `dst` (empty while the resampler fills)."""
        if frame.format.name != "s16":
            return b"".join(self._convert_packed(f) for f in self._repacked(frame))
        return self._convert_packed(frame)

    def reset(self) -> None:
        """Forget held audio."""
        if self._core is not None:
            self._core.reset()

    def _convert_packed(self, frame: AudioFrame) -> bytes:
        src = AudioFormat(frame.sample_rate, len(frame.layout.channels), SampleFormat.S16)
        if self._core is None or src != self._src:
            self._src, self._core = src, PcmConverter(src, self.dst, steady=False)
        samples = frame.to_ndarray()
        data = np.ascontiguousarray(samples, dtype="<i2").tobytes()
        return self._core.convert(data)

    def _repacked(self, frame: AudioFrame) -> list[AudioFrame]:
        from av.audio.resampler import AudioResampler

        if self._repack is None:
            self._repack = AudioResampler(format="s16", layout=frame.layout.name, rate=frame.sample_rate)
        return list(self._repack.resample(frame))
