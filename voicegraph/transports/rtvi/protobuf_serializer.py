"""PipecatProtobufSerializer: Pipecat's WebSocket protocol (protobuf frames carrying audio and RTVI)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, cast

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.transports.client_messages import ClientAudio, ClientEnd, ClientInterrupt, ClientText
from voicegraph.transports.rtvi.protobuf_frames import (
    PbAudio,
    PbInterruption,
    PbMessage,
    PbText,
    PbTranscription,
    decode_frame,
    encode_frame,
)
from voicegraph.transports.rtvi.rtvi_message import dumps
from voicegraph.transports.rtvi.rtvi_requests import MAX_TEXT
from voicegraph.transports.rtvi.rtvi_session import RTVISession, error_event
from voicegraph.transports.serializer import Message, Serializer

if TYPE_CHECKING:
    from typing import Any

    from voicegraph.framework.formats import AudioFormat
    from voicegraph.framework.frames.base import Frame
    from voicegraph.transports.client_messages import ClientMessage

log = logging.getLogger("voicegraph.transports.rtvi")


@dataclass(frozen=True, slots=True)
class ClientFrame:
    """A graph frame an RTVI request stands for (send-text, client-message, dtmf...)."""

    frame: Frame


class PipecatProtobufSerializer(Serializer):
    """Pipecat's `ProtobufFrameSerializer` protocol, server side (Pipecat's JS `WebSocketTransport`).

    Client to server: binary `pipecat.Frame`s — `audio` (user PCM, which must be in the
    session's input format), `message` (the JSON of an RTVI message: `client-ready`,
    `send-text`...), `text` / `transcription` (typed user text), `interruption`. Server
    to client: `audio` (bot PCM in the output format; the JS client plays it at its
    player rate, 24 kHz by default, without resampling) and `message` frames carrying
    RTVI events. Only those two kinds are sent: the JS client rejects the others.

    RTVI requests are answered through `take_replies` and their graph frames come out
    of `take_inputs` (the connection sends and enqueues them after each `parse`). There
    is no start message: the formats are the server's, fixed per provider config.

    Args:
        input_format, output_format: the session's audio formats.
    """

    name: ClassVar[str] = "pipecat_protobuf"

    def __init__(self, input_format: AudioFormat, output_format: AudioFormat) -> None:
        self.input_format = input_format
        self.output_format = output_format
        self.rtvi = RTVISession()
        self._replies: list[Message] = []
        self._inputs: list[ClientMessage] = []

    def parse(self, message: Message) -> ClientMessage | None:
        if isinstance(message, str):
            self._rtvi(message)  # a text frame: JSON RTVI, as some clients send
            return None
        frame = decode_frame(bytes(message))
        if isinstance(frame, PbAudio):
            return self._audio(frame)
        if isinstance(frame, PbMessage):
            self._rtvi(frame.data)
            return None
        if isinstance(frame, PbText | PbTranscription):
            if len(frame.text) > MAX_TEXT:  # the same bound as RTVI send-text and raw PCM text
                raise VoiceError(ErrorCode.INVALID_INPUT, f"text longer than {MAX_TEXT} chars")
            return ClientText(frame.text) if frame.text.strip() else None
        if isinstance(frame, PbInterruption):
            return ClientInterrupt()
        return None

    def _audio(self, frame: PbAudio) -> ClientMessage:
        fmt = self.input_format
        rate, channels = frame.sample_rate, frame.num_channels or 1
        if (rate, channels) != (fmt.rate, fmt.channels):
            raise VoiceError(
                ErrorCode.NOT_NEGOTIATED,
                f"audio at {rate} Hz / {channels} ch; this server takes {fmt.rate} Hz / {fmt.channels} ch",
            )
        if not frame.audio or len(frame.audio) % fmt.frame_bytes:
            raise VoiceError(ErrorCode.INVALID_INPUT, f"audio must be whole {fmt.frame_bytes}-byte frames")
        return ClientAudio(frame.audio)

    def _rtvi(self, text: str) -> None:
        reply = self.rtvi.receive(text)
        self._replies += [self.encode_message(m) for m in reply.messages]
        # a ClientFrame rides the connection's inbox as a client message (see RTVIWebSocketConnection)
        self._inputs += [cast("ClientMessage", ClientFrame(f)) for f in reply.frames]
        if reply.end:
            self._inputs.append(ClientEnd(drain=True))

    def take_replies(self) -> list[Message]:
        """RTVI answers to the messages parsed so far (each taken once)."""
        out, self._replies = self._replies, []
        return out

    def take_inputs(self) -> list[ClientMessage]:
        """Client messages (graph frames) the RTVI requests parsed so far stand for."""
        out, self._inputs = self._inputs, []
        return out

    @staticmethod
    def encode_message(message: dict[str, Any]) -> bytes:
        """One RTVI message as a `message` frame."""
        return encode_frame(PbMessage(dumps(message)))

    def encode_audio(self, data: bytes) -> Message:
        fmt = self.output_format
        return encode_frame(PbAudio(data, fmt.rate, fmt.channels))

    def encode_events(self, frame: Frame) -> list[Message]:
        """The RTVI events of a frame reaching the output, as message frames."""
        return [self.encode_message(m) for m in self.rtvi.events(frame)]

    def encode_event(self, frame: Frame) -> Message | None:
        events = self.encode_events(frame)
        return events[0] if len(events) == 1 else None

    def encode_clear(self) -> Message | None:
        return self.encode_message(self.rtvi.interrupted())

    def encode_error(self, err: VoiceError) -> Message | None:
        return self.encode_message(error_event(f"{err.code}: {err.message}"))
