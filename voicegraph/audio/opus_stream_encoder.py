"""OpusStreamEncoder: PCM stream to Opus packets of a fixed frame duration (opuslib)."""

from __future__ import annotations

from typing import Any, Literal

from voicegraph.audio.chunk_buffer import ChunkBuffer
from voicegraph.audio.engine_imports import import_opuslib
from voicegraph.framework.errors import ErrorCode, VoiceError

OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
"""Sample rates libopus encodes and decodes natively."""
FRAME_MS = (10, 20, 40, 60)
"""Frame durations offered (Opus also has 2.5 and 5 ms, too short to be worth it here)."""

Application = Literal["voip", "audio", "restricted_lowdelay"]


class OpusStreamEncoder:
    """Buffers s16 PCM into `frame_ms` frames and encodes each to one Opus packet.

    I/O-free and synchronous. Latency: up to one frame of buffering, plus the codec's
    lookahead (6.5 ms for "voip"/"audio") that shows as delay in the decoded audio.
    `finish` pads the last partial frame with silence; `reset` drops buffered audio and
    the codec state.

    Args:
        rate: one of `OPUS_RATES`.
        channels: 1 or 2.
        frame_ms: one of `FRAME_MS`.
        application: "voip" (speech), "audio" (music) or "restricted_lowdelay".
        bitrate: bits per second, or None for libopus' default.

    Raises:
        VoiceError: (invalid_config) unsupported settings; (missing_dependency) no opuslib.
    """

    def __init__(
        self,
        rate: int = 48000,
        channels: int = 1,
        *,
        frame_ms: int = 20,
        application: Application = "voip",
        bitrate: int | None = None,
    ) -> None:
        if rate not in OPUS_RATES or channels not in (1, 2) or frame_ms not in FRAME_MS:
            raise VoiceError(
                ErrorCode.INVALID_CONFIG,
                f"Opus takes rates {OPUS_RATES}, 1-2 channels, frames {FRAME_MS} ms; "
                f"got {rate} Hz x{channels}, {frame_ms} ms",
            )
        if application not in ("voip", "audio", "restricted_lowdelay"):
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"unknown Opus application {application!r}")
        self.rate, self.channels, self.frame_ms = rate, channels, frame_ms
        self.frame_samples = rate * frame_ms // 1000
        self._opus = import_opuslib()
        self._enc: Any = self._opus.Encoder(rate, channels, application)
        if bitrate is not None:
            self._enc.bitrate = bitrate
        self._buf = ChunkBuffer(self.frame_samples * channels * 2)

    @property
    def lookahead_samples(self) -> int:
        """Codec lookahead in samples at `rate` (delay of the decoded audio)."""
        return int(self._enc.lookahead)

    def encode(self, pcm: bytes) -> list[bytes]:
        """Add s16 interleaved PCM; returns the packets of every frame completed."""
        self._buf.push(pcm)
        return [self._encode(frame) for frame in self._buf.pop_chunks()]

    def finish(self) -> list[bytes]:
        """End of stream: the last partial frame, padded with silence (none if empty)."""
        rest = self._buf.pop_rest()
        if not rest:
            return []
        return [self._encode(rest + bytes(self._buf.chunk_bytes - len(rest)))]

    def reset(self) -> None:
        """Drop buffered audio and the codec state (interruption)."""
        self._buf.clear()
        self._enc.reset_state()

    def _encode(self, frame: bytes) -> bytes:
        try:
            return bytes(self._enc.encode(frame, self.frame_samples))
        except self._opus.OpusError as exc:
            raise VoiceError(ErrorCode.INVALID_INPUT, f"opus encode failed (code {exc.code})") from None
