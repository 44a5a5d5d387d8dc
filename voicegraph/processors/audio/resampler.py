"""Resampler: changes the sample rate of audio frames with soxr, keeping everything else."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat
from voicegraph.processors.audio.format_converter import FormatConverter

if TYPE_CHECKING:
    from voicegraph.audio.stream_resampler import Quality


class Resampler(FormatConverter):
    """Resamples audio frames to `to_rate` Hz; channels and sample format are kept.

    Handles AudioFrame; emits the same frame class at `to_rate`, with steady chunk
    lengths after warm-up (20 ms in -> 20 ms out). Latency: soxr's block buffering held
    in a FIFO, about 37 ms (16/24/48 kHz), 40 ms (44.1 kHz), 115 ms (8 kHz) at HQ; see
    `latency_ms` for the measured figure. Flush forgets held audio (not on the user's
    input path); drain emits it with the filter tail.

    Args:
        to_rate: output sample rate (Hz).
        quality: soxr quality recipe ("QQ" cubic, "LQ", "MQ", "HQ", "VHQ").
        steady: steady output chunk lengths (False: bursty output, lower average latency).
        src: the input format when known, to declare the measured latency (see FormatConverter).
        name: node name.

    Raises:
        VoiceError: (invalid_config) `to_rate` is not positive.
    """

    def __init__(
        self,
        *,
        to_rate: int,
        quality: Quality = "HQ",
        steady: bool = True,
        src: AudioFormat | None = None,
        name: str | None = None,
    ) -> None:
        if to_rate <= 0:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"to_rate must be positive, got {to_rate}")
        self.to_rate = to_rate
        super().__init__(to=AudioFormat(to_rate), quality=quality, steady=steady, src=src, name=name)

    def target(self, src: AudioFormat) -> AudioFormat:
        """`src` at `to_rate`."""
        return dataclasses.replace(src, rate=self.to_rate)
