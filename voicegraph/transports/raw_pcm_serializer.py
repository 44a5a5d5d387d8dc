"""RawPCMSerializer: the simplest client protocol — binary PCM audio plus JSON control.

Client to server:
- text `{"type":"start","sample_rate":16000}` first. Optional fields: `"channels"`
  (1 or 2, default 1), `"encoding"` (only `"pcm_s16le"`), `"output_sample_rate"`
  (default: sample_rate), `"resume_token"` (rejoin a dropped session).
- binary messages: audio, interleaved 16-bit little-endian PCM, whole sample frames.
- `{"type":"interrupt"}`: barge-in from the client (e.g. a push-to-talk button).
- `{"type":"text","text":"..."}`: typed user text, handled as a final transcript.
- `{"type":"dtmf","digit":"5"}`: a key press.
- `{"type":"end"}`: end of input; the bot finishes, then the server ends the session.

Server to client:
- `{"type":"started","session_id":..,"resume_token":..,"resumed":false,
  "sample_rate":..,"output_sample_rate":..,"channels":..}` after `start`.
- binary messages: bot audio at `output_sample_rate`, in 20 ms chunks sent in real time.
- `{"type":"clear"}`: barge-in; drop any bot audio not yet played.
- `{"type":"bot_started_speaking"}`, `{"type":"bot_stopped_speaking"}`,
  `{"type":"user_started_speaking"}`, `{"type":"user_stopped_speaking"}`.
- `{"type":"transcript","text":..,"final":true|false}`: the user's words.
- `{"type":"bot_text","text":..,"final":false,"interrupted":false}`: the bot's words as
  their audio plays (deltas: concatenate them), then one `"final":true` per reply with
  the whole text played; `"interrupted":true` when a barge-in cut it (only the words
  heard). A graph without TTS sends its text as interim bot_text as it reaches the output.
- `{"type":"error","code":"protocol_error","message":..}`: a bad message (the session
  goes on; too many close it). Codes are `ErrorCode` values.
- `{"type":"end"}`, then the server closes with 1000. Close codes for errors: 4400
  bad input, 4404 unknown resume token, 4408 no start in time, 4415 unsupported
  format, 4500 server error; 1009 for a message over the size limit.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames.call import CallActionFrame
from voicegraph.framework.frames.system import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    ErrorFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.framework.frames.text import TranscriptFrame
from voicegraph.transports.bot_text_event import bot_text_of
from voicegraph.transports.call_action_event import call_action_event
from voicegraph.transports.client_messages import (
    DTMF_DIGITS,
    ClientAudio,
    ClientDtmf,
    ClientEnd,
    ClientInterrupt,
    ClientMessage,
    ClientStart,
    ClientText,
)
from voicegraph.transports.json_message import json_object
from voicegraph.transports.serializer import Message, Serializer

if TYPE_CHECKING:
    from voicegraph.framework.frames.base import Frame

RATES = (8000, 16000, 22050, 24000, 32000, 44100, 48000)
MAX_TEXT = 4096
_EVENTS: dict[type[Frame], str] = {
    BotStartedSpeakingFrame: "bot_started_speaking",
    BotStoppedSpeakingFrame: "bot_stopped_speaking",
    UserStartedSpeakingFrame: "user_started_speaking",
    UserStoppedSpeakingFrame: "user_stopped_speaking",
}


def _dumps(obj: dict[str, Any]) -> str:
    return json.dumps(obj, separators=(",", ":"))


def _bad(message: str, code: ErrorCode = ErrorCode.PROTOCOL_ERROR) -> VoiceError:
    return VoiceError(code, message)


class RawPCMSerializer(Serializer):
    """Binary PCM audio and JSON control messages (protocol in the module docstring).

    Args:
        rates: sample rates a client may ask for.
    """

    name: ClassVar[str] = "raw_pcm"
    supports_resume: ClassVar[bool] = True

    def __init__(self, *, rates: tuple[int, ...] = RATES) -> None:
        self._rates = rates
        self.input_format: AudioFormat | None = None
        self.output_format: AudioFormat | None = None

    def parse(self, message: Message) -> ClientMessage | None:
        if isinstance(message, bytes | bytearray | memoryview):
            return self._audio(bytes(message))
        obj = json_object(message, "type", "a control message")
        kind = obj["type"]
        if kind == "start":
            return self._start(obj)
        if self.input_format is None:
            raise _bad(f"{kind!r} before start")
        if kind == "interrupt":
            return ClientInterrupt()
        if kind == "end":
            return ClientEnd(drain=True)
        if kind == "text":
            text = obj.get("text")
            if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
                raise _bad(
                    f"text must be a non-empty string of at most {MAX_TEXT} chars", ErrorCode.INVALID_INPUT
                )
            return ClientText(text)
        if kind == "dtmf":
            digit = obj.get("digit")
            if not isinstance(digit, str) or digit not in DTMF_DIGITS:
                raise _bad("digit must be one of 0-9 * # A-D", ErrorCode.INVALID_INPUT)
            return ClientDtmf(digit)
        raise _bad(f"unknown message type {kind[:40]!r}")

    def _audio(self, data: bytes) -> ClientMessage:
        fmt = self.input_format
        if fmt is None:
            raise _bad("audio before start")
        if not data or len(data) % fmt.frame_bytes:
            raise _bad(f"audio must be whole {fmt.frame_bytes}-byte sample frames", ErrorCode.INVALID_INPUT)
        return ClientAudio(data)

    def _start(self, obj: dict[str, Any]) -> ClientStart:
        if self.input_format is not None:
            raise _bad("start was already received")
        encoding = obj.get("encoding", "pcm_s16le")
        if encoding != "pcm_s16le":
            raise _bad(
                f"encoding {str(encoding)[:40]!r} is not supported (pcm_s16le)", ErrorCode.NOT_NEGOTIATED
            )
        rate = self._int(obj, "sample_rate", None)
        out_rate = self._int(obj, "output_sample_rate", rate)
        channels = self._int(obj, "channels", 1)
        if rate not in self._rates or out_rate not in self._rates or channels not in (1, 2):
            raise _bad(
                f"unsupported format {rate} Hz / {out_rate} Hz out / {channels} ch (rates: {self._rates})",
                ErrorCode.NOT_NEGOTIATED,
            )
        token = obj.get("resume_token", "")
        if not isinstance(token, str) or len(token) > 128:
            raise _bad("resume_token must be a string", ErrorCode.INVALID_INPUT)
        self.input_format = AudioFormat(rate, channels, SampleFormat.S16)
        self.output_format = AudioFormat(out_rate, channels, SampleFormat.S16)
        return ClientStart(self.input_format, self.output_format, resume_token=token)

    @staticmethod
    def _int(obj: dict[str, Any], key: str, default: int | None) -> int:
        value = obj.get(key, default)
        if type(value) is not int:
            raise _bad(f"{key} must be an integer", ErrorCode.INVALID_INPUT)
        return value

    def encode_audio(self, data: bytes) -> Message:
        return data

    def encode_event(self, frame: Frame) -> Message | None:
        kind = _EVENTS.get(type(frame))
        if kind is not None:
            return _dumps({"type": kind})
        if isinstance(frame, CallActionFrame):
            return _dumps(call_action_event(frame))
        if isinstance(frame, TranscriptFrame):
            return _dumps({"type": "transcript", "text": frame.text, "final": frame.final})
        bot_text = bot_text_of(frame)
        if bot_text is not None:
            return _dumps(bot_text)
        if isinstance(frame, ErrorFrame):
            return self.encode_error(frame.error)
        return None

    def encode_clear(self) -> Message | None:
        return _dumps({"type": "clear"})

    def encode_error(self, err: VoiceError) -> Message | None:
        return _dumps({"type": "error", "code": str(err.code), "message": err.message})

    def encode_started(self, session_id: str, resume_token: str, *, resumed: bool) -> Message | None:
        fmt, out = self.input_format, self.output_format
        assert fmt is not None and out is not None
        return _dumps(
            {
                "type": "started", "session_id": session_id, "resume_token": resume_token,
                "resumed": resumed, "sample_rate": fmt.rate, "output_sample_rate": out.rate,
                "channels": fmt.channels,
            }
        )  # fmt: skip

    def encode_end(self) -> Message | None:
        return _dumps({"type": "end"})
