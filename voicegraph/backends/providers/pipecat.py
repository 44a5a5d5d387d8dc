"""Pipecat backend: Pipecat's client SDKs (RTVI) talk to voicegraph, over WebSocket or SmallWebRTC."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from voicegraph.backends.backend import BackendCapabilities
from voicegraph.backends.providers.websocket import SessionWebSocketTransport
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.transports.client_messages import ClientStart
from voicegraph.transports.dtmf_frame import DTMFFrame
from voicegraph.transports.rtvi.protobuf_serializer import PipecatProtobufSerializer
from voicegraph.transports.rtvi.rtvi_websocket_connection import RTVIWebSocketConnection

if TYPE_CHECKING:
    from voicegraph.backends.session_manager import SessionManager
    from voicegraph.framework.frames.base import Frame
    from voicegraph.transports.serializer import Serializer
    from voicegraph.transports.websocket_connection import WebSocketConnection

TRANSPORTS = ("websocket", "smallwebrtc")
RATES = (8000, 16000, 22050, 24000, 32000, 44100, 48000)


class PipecatWebSocketTransport(SessionWebSocketTransport):
    """Sessions for Pipecat's JS/Python `WebSocketTransport` clients (protobuf frames, RTVI).

    A Pipecat client sends no start message: each socket is a session at once, with
    the server's formats (`sample_rate` in: the client's recorder rate, 16 kHz by
    default; `output_sample_rate` out: the client's player rate, 24 kHz by default).
    Admission (auth from the `token` query parameter or headers, limits) happens on
    connect as for `websocket`. RTVI requests and events: `RTVIWebSocketConnection`.

    Args:
        manager: the backend's session manager.
        sample_rate: rate of the client's audio.
        output_sample_rate: rate the client plays.
        options: `WebSocketTransport` keyword arguments (host, port, max_size...).
    """

    def __init__(
        self, manager: SessionManager, *, sample_rate: int = 16000, output_sample_rate: int = 24000,
        **options: Any,
    ) -> None:  # fmt: skip
        self.input_format = AudioFormat(sample_rate, 1, SampleFormat.S16)
        self.output_format = AudioFormat(output_sample_rate, 1, SampleFormat.S16)
        options.setdefault("max_size", 1024 * 1024)  # the JS client sends up to 1 MB
        super().__init__(manager, transport_name="pipecat", serializer=self._serializer_factory, **options)

    def _serializer_factory(self) -> Serializer:
        return PipecatProtobufSerializer(self.input_format, self.output_format)

    async def _handle(self, ws: Any) -> None:
        serializer = self._serializer()
        await self._open(ws, serializer, ClientStart(self.input_format, self.output_format))

    def _connection(self, serializer: Serializer, start: ClientStart) -> WebSocketConnection:
        assert isinstance(serializer, PipecatProtobufSerializer)
        return RTVIWebSocketConnection(
            serializer, start, resume_grace_s=0.0, max_bad_messages=self.max_bad_messages,
            max_backlog_s=self.max_backlog_s,
        )  # fmt: skip


def _rate(options: dict[str, Any], key: str, default: int) -> int:
    value = options.pop(key, default)
    if isinstance(value, bool) or value not in RATES:
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"backend.options.{key}: {value!r} is not one of {RATES}")
    return int(value)


class PipecatProvider:
    """Backend provider `pipecat`: Pipecat's client SDKs (`@pipecat-ai/client-js`...) as clients.

    Options: `transport` — `websocket` (Pipecat's `WebSocketTransport`: protobuf
    frames, RTVI in message frames; plus `sample_rate`, `output_sample_rate` and the
    `WebSocketTransport` arguments host, port, max_size, max_bad_messages...) or
    `smallwebrtc` (Pipecat's `SmallWebRTCTransport`: `POST /api/offer` signalling, RTVI
    on the data channel; plus the `WebRTCTransport` arguments).

    Raises:
        VoiceError: (invalid_config) an unknown transport or rate.
    """

    name: ClassVar[str] = "pipecat"
    capabilities: ClassVar[BackendCapabilities] = BackendCapabilities(
        persistence=False, min_latency_ms=20.0, codecs=("pcm_s16le", "opus")
    )
    operations: ClassVar[dict[type[Frame], str]] = {DTMFFrame: "rtvi.dtmf"}

    def create(self, manager: SessionManager, options: dict[str, Any]) -> Any:
        """A server for Pipecat clients of `manager`'s sessions."""
        options = dict(options)
        transport = options.pop("transport", "websocket")
        if transport not in TRANSPORTS:
            raise VoiceError(
                ErrorCode.INVALID_CONFIG,
                f"backend.options.transport: {transport!r} is not one of {TRANSPORTS}",
            )
        if transport == "smallwebrtc":
            from voicegraph.backends.providers.pipecat_smallwebrtc import create_smallwebrtc

            return create_smallwebrtc(manager, options)
        rate = _rate(options, "sample_rate", 16000)
        out_rate = _rate(options, "output_sample_rate", 24000)
        return PipecatWebSocketTransport(manager, sample_rate=rate, output_sample_rate=out_rate, **options)
