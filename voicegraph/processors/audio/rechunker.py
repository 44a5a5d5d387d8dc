"""Rechunker: re-frames audio into chunks of a fixed duration."""

from __future__ import annotations

import dataclasses

from voicegraph.audio import sample_codec
from voicegraph.audio.chunk_buffer import ChunkBuffer
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, Encoding
from voicegraph.framework.frames.audio import AudioFrame, InputAudioFrame
from voicegraph.framework.frames.base import UNSTAMPED
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles


class Rechunker(Processor):
    """Cuts audio into frames of exactly `chunk_ms`, carrying the remainder over.

    Handles AudioFrame; emits zero or more frames of the same class and format, each
    exactly `chunk_ms` long, with the metadata of the input frame that completed it.
    Latency: up to one chunk (a chunk leaves when its last sample arrives). A format
    change first emits the held remainder in the old format. Flush drops the
    remainder (not on the user's input path: InputAudioFrame); drain emits it,
    padded with silence to a whole chunk if `pad_last`.

    Args:
        chunk_ms: chunk duration in ms; must be a whole number of samples at the rate.
        pad_last: pad the last partial chunk with silence on drain (else emit it short).
        name: node name.

    Raises:
        VoiceError: (invalid_config) a non-positive `chunk_ms`; (invalid_input) audio at a
            rate where `chunk_ms` is not a whole number of samples.
    """

    latency = LatencySpec(20.0, "up to one chunk of buffering (20 ms default)")

    def accepts_format(self, fmt: AudioFormat) -> bool:
        """Sample audio (linear PCM or G.711); Opus packets fail at build with not_negotiated."""
        return fmt.sample_format.encoding is not Encoding.OPUS

    def __init__(self, *, chunk_ms: float = 20.0, pad_last: bool = False, name: str | None = None) -> None:
        super().__init__(name=name)
        if chunk_ms <= 0:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"chunk_ms must be positive, got {chunk_ms}")
        self.chunk_ms = chunk_ms
        self.pad_last = pad_last
        self.latency = LatencySpec(chunk_ms, "up to one chunk of buffering")
        self._buf: ChunkBuffer | None = None
        self._template: AudioFrame | None = None

    def chunk_samples(self, rate: int) -> int:
        """Samples per chunk at `rate`.

        Raises:
            VoiceError: (invalid_input) `chunk_ms` is not a whole number of samples at `rate`.
        """
        exact = rate * self.chunk_ms / 1000.0
        if abs(exact - round(exact)) > 1e-6 or round(exact) == 0:
            raise VoiceError(
                ErrorCode.INVALID_INPUT,
                f"{self.chunk_ms} ms is not whole samples at {rate} Hz",
                node=self.name,
            )
        return round(exact)

    @handles
    async def on_audio(self, frame: AudioFrame, out: Outbox) -> None:
        template = self._template
        if template is None or template.format != frame.format:
            await self._emit_rest(out)
            size = self.chunk_samples(frame.format.rate) * frame.format.frame_bytes
            self._buf = ChunkBuffer(size)
        assert self._buf is not None
        self._template = frame
        self._buf.push(frame.data)
        for chunk in self._buf.pop_chunks():
            await out.send(dataclasses.replace(frame, data=chunk))

    async def on_flush(self) -> None:
        if self._buf is not None and not isinstance(self._template, InputAudioFrame):
            self._buf.clear()

    async def on_drain(self, out: Outbox) -> None:
        await self._emit_rest(out)

    async def _emit_rest(self, out: Outbox) -> None:
        buf, template = self._buf, self._template
        if buf is None or template is None or len(buf) == 0:
            return
        rest = buf.pop_rest()
        if self.pad_last:
            missing = (buf.chunk_bytes - len(rest)) // template.format.frame_bytes
            rest += sample_codec.silence(template.format, missing)
        await out.send(dataclasses.replace(template, data=rest, pts=UNSTAMPED, epoch=UNSTAMPED))
