"""OpusDecoder: Opus packets (EncodedAudioFrame) to audio frames."""

from __future__ import annotations

from typing import ClassVar

from voicegraph.audio.opus_stream_decoder import OpusStreamDecoder
from voicegraph.audio.opus_stream_encoder import OPUS_RATES
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames.audio import AudioFrame, InputAudioFrame
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles
from voicegraph.processors.audio.encoded_audio_frame import EncodedAudioFrame


class OpusDecoder(Processor):
    """Decodes Opus packets to s16 audio at `rate` Hz and `channels`, whatever they were made at.

    Handles EncodedAudioFrame with codec "opus" (other codecs pass through); emits one
    `frame_type` frame per packet, carrying the packet's `created_ns`. Adds no latency
    of its own (the encoder's lookahead is in the stream). Flush resets the decoder
    state (not when it emits InputAudioFrame); drain has nothing held. A corrupt packet
    is reported as `invalid_input` and skipped. At build time it takes only Opus packets
    (`SampleFormat.OPUS`, as an OpusEncoder declares them): PCM or G.711 on its input
    fail with not_negotiated.

    Args:
        rate: output rate, 8000/12000/16000/24000/48000.
        channels: output channels, 1 or 2.
        frame_type: the audio frame class to emit (e.g. InputAudioFrame on a transport's input).
        name: node name.

    Raises:
        VoiceError: (missing_dependency) without opuslib and libopus; (invalid_config) bad settings.
    """

    latency = LatencySpec(0.0, "decode only")
    accepts = tuple(AudioFormat(r, c, SampleFormat.OPUS) for r in OPUS_RATES for c in (1, 2))
    crosses_encoding: ClassVar[bool] = True
    """A codec node: only Opus packets reach it, never PCM through a hidden encoder."""

    def __init__(
        self,
        *,
        rate: int = 48000,
        channels: int = 1,
        frame_type: type[AudioFrame] = AudioFrame,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self._core = OpusStreamDecoder(rate, channels)
        self.format = AudioFormat(rate, channels, SampleFormat.S16)
        self.frame_type = frame_type

    def output_format(self, input_format: AudioFormat | None) -> AudioFormat | None:
        """Always `rate`/`channels`/s16."""
        return self.format

    @handles
    async def on_packet(self, frame: EncodedAudioFrame, out: Outbox) -> None:
        if frame.codec != "opus":
            await out.send(frame)
            return
        pcm = self._core.decode(frame.data)
        await out.send(self.frame_type(data=pcm, format=self.format, created_ns=frame.created_ns))

    async def on_flush(self) -> None:
        if not issubclass(self.frame_type, InputAudioFrame):
            self._core.reset()
