"""VocodeConversationSerializer: vocode-core's browser conversation WebSocket protocol.

The protocol of vocode's `ConversationRouter` (`/conversation`), which the Vocode React
SDK and Python clients built on `vocode.streaming.models.websocket` speak. All frames are
JSON text with a `type`:

Client to server:
- `websocket_audio_config_start` first: `input_audio_config` {`sampling_rate`,
  `audio_encoding` (`linear16` or `mulaw`), `chunk_size`, `downsampling`},
  `output_audio_config` {`sampling_rate`, `audio_encoding`}, `conversation_id`,
  `subscribe_transcript`.
- `websocket_audio` {`data`: base64}: raw 16-bit PCM, or a small WAV file per chunk (the
  browser SDK records WAV); the WAV header is stripped.
- `websocket_stop`: the conversation ends at once (vocode does not let the bot finish).

Server to client:
- `websocket_ready` once the session runs.
- `websocket_audio` {`data`}: each bot chunk (20 ms) as a complete small WAV file for
  linear16 (vocode forces `should_encode_as_wav`), raw bytes for mulaw.
- `websocket_transcript` {`text`, `sender` (`human`/`bot`), `timestamp`} when
  `subscribe_transcript` is true: the user's final transcripts and each bot reply as played
  (only the words heard when a barge-in cut it).
- `websocket_error` {`code`, `message`}: voicegraph's addition for a bad message (vocode
  has none); the session goes on. Vocode clients that parse every frame with
  `WebSocketMessage.parse_obj` should skip unknown types.
Barge-in has no message: the bot audio simply stops, as with vocode's own server.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import time
import wave
from typing import TYPE_CHECKING, Any, ClassVar

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import MULAW8K, AudioFormat, SampleFormat
from voicegraph.framework.frames.bot_text import BotTextFrame
from voicegraph.framework.frames.text import TranscriptFrame
from voicegraph.transports.client_messages import ClientAudio, ClientEnd, ClientMessage, ClientStart
from voicegraph.transports.json_message import json_object
from voicegraph.transports.serializer import Message, Serializer

if TYPE_CHECKING:
    from voicegraph.framework.frames.base import Frame

RATES = (8000, 16000, 22050, 24000, 32000, 44100, 48000)
MAX_ID = 64


def _bad(message: str, code: ErrorCode = ErrorCode.PROTOCOL_ERROR) -> VoiceError:
    return VoiceError(code, message)


def _dumps(obj: dict[str, Any]) -> str:
    return json.dumps(obj, separators=(",", ":"))


def audio_format(config: Any, field: str) -> AudioFormat:
    """The `AudioFormat` of a vocode audio config (`input_audio_config`...).

    Raises:
        VoiceError: (invalid_input) not an object or a bad field, named as
            `field.sampling_rate`; (not_negotiated) an encoding or rate not served.
    """
    if not isinstance(config, dict):
        raise _bad(f"{field} must be an object", ErrorCode.INVALID_INPUT)
    rate, encoding = config.get("sampling_rate"), config.get("audio_encoding")
    if type(rate) is not int:
        raise _bad(f"{field}.sampling_rate must be an integer", ErrorCode.INVALID_INPUT)
    if encoding == "mulaw" and rate == 8000:
        return MULAW8K
    if encoding != "linear16" or rate not in RATES:
        served = f"linear16 at {RATES}, or mulaw at 8000"
        msg = f"{field}: {str(encoding)[:20]} at {rate} Hz is not served ({served})"
        raise _bad(msg, ErrorCode.NOT_NEGOTIATED)
    for key in ("chunk_size", "downsampling"):
        value = config.get(key)
        if value is not None and (type(value) is not int or value <= 0):
            raise _bad(f"{field}.{key} must be a positive integer", ErrorCode.INVALID_INPUT)
    return AudioFormat(rate, 1, SampleFormat.S16)


def wav_chunk(data: bytes, rate: int) -> bytes:
    """`data` (mono 16-bit PCM) as a complete WAV file, as vocode's synthesizers encode it."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(data)
    return buf.getvalue()


def _unwrap_wav(data: bytes, fmt: AudioFormat) -> bytes:
    try:
        with wave.open(io.BytesIO(data), "rb") as w:
            if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (fmt.rate, 1, 2):
                raise _bad(f"WAV chunk is not mono 16-bit at {fmt.rate} Hz", ErrorCode.NOT_NEGOTIATED)
            return w.readframes(w.getnframes())
    except (wave.Error, EOFError):
        raise _bad("websocket_audio data is a broken WAV file", ErrorCode.INVALID_INPUT) from None


class VocodeConversationSerializer(Serializer):
    """Vocode's conversation protocol (see the module docstring), one per WebSocket."""

    name: ClassVar[str] = "vocode"

    def __init__(self) -> None:
        self.input_format: AudioFormat | None = None
        self.output_format: AudioFormat | None = None
        self.conversation_id = ""
        self.subscribe_transcript = False

    @property
    def call_id(self) -> str:
        return self.conversation_id

    def parse(self, message: Message) -> ClientMessage | None:
        if not isinstance(message, str):
            raise _bad("binary frames are not part of the Vocode protocol (send websocket_audio)")
        obj = json_object(message, "type")
        kind = obj["type"]
        if kind == "websocket_audio_config_start":
            return self._start(obj)
        if kind == "websocket_start":
            raise _bad("websocket_start (hosted Vocode) is not served: send websocket_audio_config_start")
        if self.input_format is None:
            raise _bad(f"{kind[:40]!r} before websocket_audio_config_start")
        if kind == "websocket_audio":
            return ClientAudio(self._audio(obj.get("data"), self.input_format))
        if kind == "websocket_stop":
            return ClientEnd(drain=False)
        raise _bad(f"unknown message type {kind[:40]!r}")

    def _start(self, obj: dict[str, Any]) -> ClientStart:
        if self.input_format is not None:
            raise _bad("websocket_audio_config_start was already received")
        fmt_in = audio_format(obj.get("input_audio_config"), "input_audio_config")
        fmt_out = audio_format(obj.get("output_audio_config"), "output_audio_config")
        cid, sub = obj.get("conversation_id"), obj.get("subscribe_transcript")
        if cid is not None and (not isinstance(cid, str) or len(cid) > MAX_ID):
            raise _bad(f"conversation_id must be a string of at most {MAX_ID} chars", ErrorCode.INVALID_INPUT)
        if sub is not None and not isinstance(sub, bool):
            raise _bad("subscribe_transcript must be a boolean", ErrorCode.INVALID_INPUT)
        self.input_format, self.output_format = fmt_in, fmt_out
        self.conversation_id, self.subscribe_transcript = cid or "", bool(sub)
        params = {"conversation_id": cid} if cid else {}
        return ClientStart(fmt_in, fmt_out, call_id=self.conversation_id, params=params)

    @staticmethod
    def _audio(data: Any, fmt: AudioFormat) -> bytes:
        if not isinstance(data, str) or not data:
            raise _bad("websocket_audio data must be a non-empty base64 string", ErrorCode.INVALID_INPUT)
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise _bad("websocket_audio data is not valid base64", ErrorCode.INVALID_INPUT) from None
        if raw[:4] == b"RIFF":
            raw = _unwrap_wav(raw, fmt)
        if not raw or len(raw) % fmt.frame_bytes:
            raise _bad(f"audio must be whole {fmt.frame_bytes}-byte samples", ErrorCode.INVALID_INPUT)
        return raw

    def encode_audio(self, data: bytes) -> Message:
        fmt = self.output_format
        if fmt is not None and fmt.sample_format is SampleFormat.S16:
            data = wav_chunk(data, fmt.rate)
        return _dumps({"type": "websocket_audio", "data": base64.b64encode(data).decode("ascii")})

    def encode_event(self, frame: Frame) -> Message | None:
        if not self.subscribe_transcript:
            return None
        if isinstance(frame, TranscriptFrame) and frame.final and frame.text.strip():
            return self._transcript(frame.text.strip(), "human")
        if isinstance(frame, BotTextFrame) and frame.final and frame.text.strip():
            return self._transcript(frame.text.strip(), "bot")
        return None

    @staticmethod
    def _transcript(text: str, sender: str) -> str:
        return _dumps(
            {"type": "websocket_transcript", "text": text, "sender": sender, "timestamp": time.time()}
        )

    def encode_error(self, err: VoiceError) -> Message | None:
        return _dumps({"type": "websocket_error", "code": str(err.code), "message": err.message})

    def encode_started(self, session_id: str, resume_token: str, *, resumed: bool) -> Message | None:
        return _dumps({"type": "websocket_ready"})
