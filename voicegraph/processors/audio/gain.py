"""Gain: scales audio frames by a constant factor."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from voicegraph.audio import sample_codec
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, Encoding
from voicegraph.framework.frames.audio import AudioFrame
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles


class Gain(Processor):
    """Multiplies every sample by `gain` (clipping to full scale).

    Handles AudioFrame in any sample format (G.711 is decoded, scaled and re-encoded);
    emits the same frame, scaled. Adds no latency; holds no audio, so flush and drain
    have nothing to do. `gain` may be changed while running.

    Args:
        gain: linear factor (>= 0); 1.0 passes frames through untouched.
        gain_db: the factor in decibels instead (overrides `gain`).
        name: node name.

    Raises:
        VoiceError: (invalid_config) a negative or non-finite gain.
    """

    latency = LatencySpec(0.0, "per-sample multiply")

    def accepts_format(self, fmt: AudioFormat) -> bool:
        """Sample audio (linear PCM or G.711); Opus packets fail at build with not_negotiated."""
        return fmt.sample_format.encoding is not Encoding.OPUS

    def __init__(self, *, gain: float = 1.0, gain_db: float | None = None, name: str | None = None) -> None:
        super().__init__(name=name)
        self.gain = 10.0 ** (gain_db / 20.0) if gain_db is not None else gain

    @property
    def gain(self) -> float:
        """The linear factor applied."""
        return self._gain

    @gain.setter
    def gain(self, value: float) -> None:
        if not math.isfinite(value) or value < 0.0:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"gain must be finite and >= 0, got {value}")
        self._gain = value

    def apply(self, data: bytes, frame: AudioFrame) -> bytes:
        """`data` (in `frame.format`) scaled by the gain."""
        fmt = frame.format
        x = sample_codec.decode(data, fmt)
        if x.dtype == np.float32:
            return sample_codec.encode(np.clip(x * np.float32(self._gain), -1.0, 1.0).astype(np.float32), fmt)
        scaled = np.clip(np.round(x.astype(np.float64) * self._gain), -32768, 32767).astype(np.int16)
        return sample_codec.encode(scaled, fmt)

    @handles
    async def on_audio(self, frame: AudioFrame, out: Outbox) -> None:
        if self._gain == 1.0:
            await out.send(frame)
            return
        await out.send(dataclasses.replace(frame, data=self.apply(frame.data, frame)))
