"""OpusEncoder: audio frames to Opus packets (EncodedAudioFrame)."""

from __future__ import annotations

from typing import ClassVar

from voicegraph.audio.engine_imports import import_opuslib
from voicegraph.audio.opus_stream_encoder import (
    FRAME_MS,
    OPUS_RATES,
    Application,
    OpusStreamEncoder,
)
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames.audio import AudioFrame, InputAudioFrame
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles
from voicegraph.processors.audio.encoded_audio_frame import EncodedAudioFrame


class OpusEncoder(Processor):
    """Encodes s16 audio (8/12/16/24/48 kHz, mono or stereo) to Opus, one packet per frame.

    Handles AudioFrame; emits EncodedAudioFrame (codec "opus", `format` = the PCM
    format, `created_ns` of the input frame that completed the packet). Latency: up to
    one frame (`frame_ms`) of buffering plus the codec's 6.5 ms lookahead. Flush drops
    the buffered partial frame and codec state (not on the user's input path); drain
    encodes the last partial frame padded with silence. At build time its input is s16
    (a converter resamples other PCM); G.711 on its input fails with not_negotiated,
    and its output format is `SampleFormat.OPUS`, which only an OpusDecoder takes.

    Args:
        frame_ms: packet duration, 10, 20 (default), 40 or 60 ms.
        application: "voip" (speech), "audio" or "restricted_lowdelay".
        bitrate: bits per second (None: libopus' default for the rate).
        name: node name.

    Raises:
        VoiceError: (missing_dependency) without opuslib and libopus; (invalid_config) bad
            settings; (invalid_input) audio in a format Opus does not take.
    """

    latency = LatencySpec(26.5, "20 ms frame buffering + 6.5 ms codec lookahead")
    accepts = tuple(AudioFormat(r, c, SampleFormat.S16) for r in OPUS_RATES for c in (1, 2))
    crosses_encoding: ClassVar[bool] = True
    """A codec node: negotiation resamples its input but never decodes G.711 into it."""

    def __init__(
        self,
        *,
        frame_ms: int = 20,
        application: Application = "voip",
        bitrate: int | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        if frame_ms not in FRAME_MS:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"Opus frames are {FRAME_MS} ms, not {frame_ms}")
        import_opuslib()
        self.frame_ms, self.application, self.bitrate = frame_ms, application, bitrate
        self._core: OpusStreamEncoder | None = None
        self._last: AudioFrame | None = None

    def output_format(self, input_format: AudioFormat | None) -> AudioFormat | None:
        """Opus packets at the input's rate and channels (None without audio)."""
        if input_format is None:
            return None
        return AudioFormat(input_format.rate, input_format.channels, SampleFormat.OPUS)

    @handles
    async def on_audio(self, frame: AudioFrame, out: Outbox) -> None:
        if frame.format not in self.accepts:
            raise VoiceError(ErrorCode.INVALID_INPUT, f"Opus cannot encode {frame.format}", node=self.name)
        if self._core is None or self._last is None or self._last.format != frame.format:
            await self._finish(out)
            fmt = frame.format
            self._core = OpusStreamEncoder(
                fmt.rate,
                fmt.channels,
                frame_ms=self.frame_ms,
                application=self.application,
                bitrate=self.bitrate,
            )
        self._last = frame
        for packet in self._core.encode(frame.data):
            await out.send(self._packet(packet, frame))

    async def on_flush(self) -> None:
        if self._core is not None and not isinstance(self._last, InputAudioFrame):
            self._core.reset()

    async def on_drain(self, out: Outbox) -> None:
        await self._finish(out)

    async def _finish(self, out: Outbox) -> None:
        if self._core is not None and self._last is not None:
            for packet in self._core.finish():
                await out.send(self._packet(packet, self._last))

    def _packet(self, packet: bytes, frame: AudioFrame) -> EncodedAudioFrame:
        return EncodedAudioFrame(
            data=packet,
            codec="opus",
            format=frame.format,
            duration_ns=self.frame_ms * 1_000_000,
            created_ns=frame.created_ns,
        )
