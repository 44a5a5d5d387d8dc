"""OpusStreamDecoder: Opus packets to PCM, with loss concealment (opuslib)."""

from __future__ import annotations

from typing import Any

from voicegraph.audio.engine_imports import import_opuslib
from voicegraph.audio.opus_stream_encoder import OPUS_RATES
from voicegraph.framework.errors import ErrorCode, VoiceError

_MAX_FRAME_S = 0.12  # the longest Opus packet: 120 ms


class OpusStreamDecoder:
    """Decodes Opus packets to s16 interleaved PCM at `rate`, whatever rate they were made at.

    I/O-free and synchronous; adds no latency (the encoder's lookahead is already in
    the stream). `conceal` fills a lost packet with libopus' packet loss concealment.
    `reset` forgets the decoder state.

    Args:
        rate: output rate, one of `OPUS_RATES`.
        channels: output channels, 1 or 2.

    Raises:
        VoiceError: (invalid_config) unsupported settings; (missing_dependency) no opuslib.
    """

    def __init__(self, rate: int = 48000, channels: int = 1) -> None:
        if rate not in OPUS_RATES or channels not in (1, 2):
            raise VoiceError(
                ErrorCode.INVALID_CONFIG,
                f"Opus decodes to {OPUS_RATES} Hz, 1-2 channels; got {rate} x{channels}",
            )
        self.rate, self.channels = rate, channels
        self._opus = import_opuslib()
        self._dec: Any = self._opus.Decoder(rate, channels)
        self._max_samples = int(rate * _MAX_FRAME_S)

    def decode(self, packet: bytes) -> bytes:
        """One packet to PCM.

        Raises:
            VoiceError: (invalid_input) an empty or corrupt packet.
        """
        if not packet:
            raise VoiceError(ErrorCode.INVALID_INPUT, "empty Opus packet")
        return self._decode(packet, self._max_samples)

    def conceal(self, samples: int) -> bytes:
        """`samples` (per channel, a multiple of 2.5 ms) of concealment for a lost packet."""
        return self._decode(b"", samples)

    def reset(self) -> None:
        """Forget the decoder state."""
        self._dec.reset_state()

    def _decode(self, packet: bytes, samples: int) -> bytes:
        try:
            return bytes(self._dec.decode(packet, samples))
        except self._opus.OpusError as exc:
            raise VoiceError(ErrorCode.INVALID_INPUT, f"opus decode failed (code {exc.code})") from None
