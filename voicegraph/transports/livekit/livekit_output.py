"""LiveKitOutput: the session's sink node; converts bot audio to the LiveKit rate with soxr."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames.audio import AudioFrame, OutputAudioFrame
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import handles
from voicegraph.transports.connection_output import ConnectionOutput

if TYPE_CHECKING:
    from voicegraph.audio.stream_resampler import Quality, StreamResampler
    from voicegraph.transports.connection import Connection
    from voicegraph.transports.playout_options import PlayoutOptions


class LiveKitOutput(ConnectionOutput):
    """The sink of a LiveKit session graph: paced playout (see `PlayoutOutput`) to the user.

    Handles bot audio at any mono s16 rate: it is resampled here with soxr (`quality`)
    to the connection's LiveKit rate, so graphs need no converter and negotiation is
    left alone; other formats fall back to the playout's own converter. Emits what
    `PlayoutOutput` emits. Latency: one playout chunk plus what soxr holds back (about
    1 ms at 22.05 -> 48 kHz with "LQ"). Flush: the resamplers forget their history,
    then playout stops within a chunk. Drain: the resamplers' tails are played first.

    Args:
        conn: the user's connection; its `output_format` is the LiveKit rate.
        quality: soxr recipe ("LQ" by default: speech, low latency).
        playout: pacing settings (`PlayoutOptions`).
    """

    def __init__(
        self,
        conn: Connection,
        *,
        quality: Quality = "LQ",
        playout: PlayoutOptions | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(conn, playout=playout, name=name)
        self.accepts = None  # every rate: converted here, not by negotiation
        self._target = conn.output_format
        self._quality: Quality = quality
        self._resamplers: dict[int, StreamResampler] = {}
        self._last: OutputAudioFrame | None = None  # the tail at drain goes out like it (epoch)

    def accepts_format(self, fmt: AudioFormat) -> bool:
        """Mono s16 at any rate."""
        return fmt.channels == 1 and fmt.sample_format is SampleFormat.S16

    @handles
    async def on_audio(self, frame: AudioFrame, out: Outbox) -> None:
        fmt = frame.format
        convertible = fmt.channels == 1 and fmt.sample_format is SampleFormat.S16
        if isinstance(frame, OutputAudioFrame) and convertible and fmt.rate != self._target.rate:
            data = self._resample(fmt.rate, frame.data)
            frame = self._last = dataclasses.replace(frame, data=data, format=self._target)
        await super().on_audio(frame, out)

    def _resample(self, rate: int, data: bytes) -> bytes:
        rs = self._resamplers.get(rate)
        if rs is None:
            from voicegraph.audio.stream_resampler import StreamResampler

            rs = self._resamplers[rate] = StreamResampler(
                rate, self._target.rate, quality=self._quality, steady=False
            )
        y = rs.process(np.frombuffer(data, dtype="<i2").reshape(-1, 1))
        return np.ascontiguousarray(y, dtype="<i2").tobytes()

    async def on_flush(self) -> None:
        await super().on_flush()
        for rs in self._resamplers.values():
            rs.reset()
        self._last = None

    async def on_drain(self, out: Outbox) -> None:
        for rs in self._resamplers.values():
            tail = np.ascontiguousarray(rs.finish(), dtype="<i2").tobytes()
            if tail and self._last is not None:
                await super().on_audio(
                    OutputAudioFrame(data=tail, format=self._target, epoch=self._last.epoch), out
                )
        await super().on_drain(out)
