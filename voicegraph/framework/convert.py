"""AudioConverter: the framework's built-in format converter (numpy, no extra dependency).

Format negotiation inserts it between nodes that disagree. Rate conversion is linear
interpolation, streamed across chunks; install `voicegraph[audio]` for soxr quality
(the audio processors register their converter when imported).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from voicegraph.framework.frames.audio import AudioFrame
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.pcm import from_float, remix, to_float
from voicegraph.framework.processor import Processor, handles

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from voicegraph.framework.formats import AudioFormat


class LinearResampler:
    """Streaming linear-interpolation resampler over (frames, channels) float32 blocks."""

    def __init__(self, src_rate: int, dst_rate: int, channels: int) -> None:
        self._step = src_rate / dst_rate
        self._pos = 0.0  # next output position, in samples from the start of the buffer
        self._channels = channels
        self._prev: NDArray[np.float32] | None = None  # last input sample, for continuity

    def process(self, x: NDArray[np.float32]) -> NDArray[np.float32]:
        """Resample one block; keeps one sample of history for continuity."""
        buf = x if self._prev is None else np.concatenate([self._prev, x])
        if len(buf) == 0:
            return np.zeros((0, self._channels), dtype=np.float32)
        last = len(buf) - 1
        n = int(np.floor((last - self._pos) / self._step)) + 1 if last >= self._pos else 0
        idx = self._pos + self._step * np.arange(n)
        i0 = np.floor(idx).astype(np.int64)
        frac = (idx - i0)[:, None].astype(np.float32)
        i1 = np.minimum(i0 + 1, last)
        out = buf[i0] * (1 - frac) + buf[i1] * frac
        self._pos = self._pos + self._step * n - last
        self._prev = buf[-1:]
        result: NDArray[np.float32] = out.astype(np.float32)
        return result

    def reset(self) -> None:
        """Forget history (after an interruption)."""
        self._pos = 0.0
        self._prev = None


class AudioConverter(Processor):
    """Converts audio frames from `src` to `dst` format; other frames pass through.

    Handles AudioFrame; emits the same frame class in `dst`. Latency: under one sample.
    Flush resets the resampler history; drain emits nothing extra.
    """

    latency = LatencySpec(0.0, "format conversion")

    def __init__(self, src: AudioFormat, dst: AudioFormat, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self.src, self.dst = src, dst
        self._rs = LinearResampler(src.rate, dst.rate, dst.channels) if src.rate != dst.rate else None

    def output_format(self, input_format: AudioFormat | None) -> AudioFormat | None:
        """Always `dst`."""
        return self.dst

    def convert(self, data: bytes) -> bytes:
        """Convert one buffer of `src` audio to `dst`."""
        x = remix(to_float(data, self.src), self.dst.channels)
        if self._rs is not None:
            x = self._rs.process(x)
        return from_float(x, self.dst)

    @handles
    async def on_audio(self, frame: AudioFrame, out: Outbox) -> None:
        if frame.format != self.src:
            await out.send(frame)
            return
        await out.send(dataclasses.replace(frame, data=self.convert(frame.data), format=self.dst))

    async def on_flush(self) -> None:
        if self._rs is not None:
            self._rs.reset()
