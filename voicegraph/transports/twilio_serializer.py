"""TwilioSerializer: Twilio Media Streams, bidirectional (`<Connect><Stream>`).

Twilio is the client and sends JSON text frames: `connected`, `start` (once; carries
`streamSid`, `callSid`, `customParameters`, `mediaFormat`), `media` (base64 G.711
mu-law, 8 kHz mono, ~20 ms each), `mark` (echo of a mark we sent, once the audio
before it has played, or when a `clear` dropped it), `dtmf`, and `stop` (hang-up).
We send `media` (base64 mu-law), `mark` and `clear` (barge-in), each with the
`streamSid`. Twilio rejects anything else, so errors are not sent in-band; the
connection counts them and closes after too many. Binary frames are protocol errors.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, ClassVar

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import MULAW8K
from voicegraph.transports.client_messages import (
    DTMF_DIGITS,
    ClientAudio,
    ClientDtmf,
    ClientEnd,
    ClientMark,
    ClientMessage,
    ClientStart,
)
from voicegraph.transports.json_message import json_object
from voicegraph.transports.serializer import Message, Serializer

MAX_ID = 64
MAX_PARAMS = 32
MAX_MARK = 256
_MULAW = {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}


def _bad(message: str, code: ErrorCode = ErrorCode.PROTOCOL_ERROR) -> VoiceError:
    return VoiceError(code, message)


def _dict(obj: dict[str, Any], key: str) -> dict[str, Any]:
    value = obj.get(key)
    if not isinstance(value, dict):
        raise _bad(f"{key!r} must be an object")
    return value


def _str(obj: dict[str, Any], key: str, limit: int = MAX_ID) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value or len(value) > limit:
        raise _bad(f"{key!r} must be a non-empty string of at most {limit} chars")
    return value


class TwilioSerializer(Serializer):
    """Twilio Media Streams messages (see the module docstring); u-law 8 kHz both ways."""

    name: ClassVar[str] = "twilio"
    supports_marks: ClassVar[bool] = True
    telephony: ClassVar[bool] = True

    def __init__(self) -> None:
        self.stream_sid = ""
        self.call_sid = ""

    @property
    def call_id(self) -> str:
        return self.call_sid

    def parse(self, message: Message) -> ClientMessage | None:
        if not isinstance(message, str):
            raise _bad("binary frames are not part of the Media Streams protocol")
        obj = json_object(message, "event")
        event = obj["event"]
        if event == "connected":
            return None
        if event == "start":
            return self._start(obj)
        if not self.stream_sid:
            raise _bad(f"{event[:40]!r} before start")
        sid = obj.get("streamSid", self.stream_sid)
        if sid != self.stream_sid:
            raise _bad("streamSid does not match this stream")
        if event == "media":
            return self._media(_dict(obj, "media"))
        if event == "mark":
            return ClientMark(_str(_dict(obj, "mark"), "name", MAX_MARK))
        if event == "dtmf":
            digit = _dict(obj, "dtmf").get("digit")
            if not isinstance(digit, str) or digit not in DTMF_DIGITS:
                raise _bad("dtmf digit must be one of 0-9 * # A-D", ErrorCode.INVALID_INPUT)
            return ClientDtmf(digit)
        if event == "stop":
            return ClientEnd(drain=False)
        raise _bad(f"unknown event {event[:40]!r}")

    def _start(self, obj: dict[str, Any]) -> ClientStart:
        if self.stream_sid:
            raise _bad("start was already received")
        start = _dict(obj, "start")
        sid = obj.get("streamSid") or start.get("streamSid")
        self.stream_sid = _str({"streamSid": sid}, "streamSid")
        call = start.get("callSid", "")
        self.call_sid = call if isinstance(call, str) and len(call) <= MAX_ID else ""
        fmt = start.get("mediaFormat", _MULAW)
        if not isinstance(fmt, dict) or {k: fmt.get(k, 1) for k in _MULAW} != _MULAW:
            self.stream_sid = ""
            msg = f"media format {str(fmt)[:80]} is not supported (audio/x-mulaw 8000 Hz mono)"
            raise _bad(msg, ErrorCode.NOT_NEGOTIATED)
        raw = start.get("customParameters") or {}
        params = raw if isinstance(raw, dict) else {}
        custom = {str(k)[:MAX_ID]: str(v)[:MAX_MARK] for k, v in list(params.items())[:MAX_PARAMS]}
        return ClientStart(MULAW8K, MULAW8K, stream_id=self.stream_sid, call_id=self.call_sid, params=custom)

    @staticmethod
    def _media(media: dict[str, Any]) -> ClientMessage | None:
        if media.get("track", "inbound") not in ("inbound", "inbound_track"):
            return None  # only the caller's audio is ours to hear
        payload = media.get("payload")
        if not isinstance(payload, str) or not payload:
            raise _bad("media.payload must be a non-empty base64 string", ErrorCode.INVALID_INPUT)
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise _bad("media.payload is not valid base64", ErrorCode.INVALID_INPUT) from None
        if not data:
            raise _bad("media.payload is empty", ErrorCode.INVALID_INPUT)
        return ClientAudio(data)

    def _out(self, event: str, **body: Any) -> str:
        return json.dumps({"event": event, "streamSid": self.stream_sid, **body}, separators=(",", ":"))

    def encode_audio(self, data: bytes) -> Message:
        return self._out("media", media={"payload": base64.b64encode(data).decode("ascii")})

    def encode_mark(self, name: str) -> Message | None:
        return self._out("mark", mark={"name": name})

    def encode_clear(self) -> Message | None:
        return self._out("clear")
