"""Pipecat's protobuf `Frame` (frames.proto, package `pipecat`), hand-encoded.

The wire format of Pipecat's WebSocket transport: each binary WebSocket message is one
serialized `Frame`, a oneof of `TextFrame` (1), `AudioRawFrame` (2),
`TranscriptionFrame` (3), `MessageFrame` (4, JSON text of an RTVI message) and
`InterruptionFrame` (5). proto3: zero-valued fields are omitted; unknown fields are
skipped. Encoding by hand keeps the `protobuf` runtime optional (Pipecat's generated
`frames_pb2` is used by the tests to check both directions).
"""

from __future__ import annotations

from dataclasses import dataclass

from voicegraph.framework.errors import ErrorCode, VoiceError

_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5


@dataclass(frozen=True, slots=True)
class PbText:
    """`TextFrame`: text for the client (or typed text from it)."""

    text: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class PbAudio:
    """`AudioRawFrame`: interleaved s16le PCM with its rate and channel count."""

    audio: bytes
    sample_rate: int
    num_channels: int = 1
    name: str = ""


@dataclass(frozen=True, slots=True)
class PbTranscription:
    """`TranscriptionFrame`: a final transcript."""

    text: str
    user_id: str = ""
    timestamp: str = ""


@dataclass(frozen=True, slots=True)
class PbMessage:
    """`MessageFrame`: the JSON text of a transport (RTVI) message."""

    data: str


@dataclass(frozen=True, slots=True)
class PbInterruption:
    """`InterruptionFrame`: barge-in."""


PbFrame = PbText | PbAudio | PbTranscription | PbMessage | PbInterruption


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field_len(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | _LEN) + _varint(len(payload)) + payload


def _field_str(number: int, text: str) -> bytes:
    return _field_len(number, text.encode()) if text else b""


def _field_int(number: int, value: int) -> bytes:
    return _varint(number << 3 | _VARINT) + _varint(value) if value else b""


def _body(frame: PbFrame) -> tuple[int, bytes]:
    if isinstance(frame, PbAudio):
        body = _field_str(2, frame.name) + (_field_len(3, frame.audio) if frame.audio else b"")
        return 2, body + _field_int(4, frame.sample_rate) + _field_int(5, frame.num_channels)
    if isinstance(frame, PbMessage):
        return 4, _field_str(1, frame.data)
    if isinstance(frame, PbText):
        return 1, _field_str(2, frame.name) + _field_str(3, frame.text)
    if isinstance(frame, PbTranscription):
        body = _field_str(3, frame.text) + _field_str(4, frame.user_id)
        return 3, body + _field_str(5, frame.timestamp)
    return 5, b""


def encode_frame(frame: PbFrame) -> bytes:
    """One serialized `pipecat.Frame` holding `frame`."""
    number, body = _body(frame)
    return _field_len(number, body)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def _fields(data: bytes) -> dict[int, int | bytes]:
    """Field number -> last value (varint as int, length-delimited as bytes)."""
    out: dict[int, int | bytes] = {}
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == _VARINT:
            out[number], pos = _read_varint(data, pos)
        elif wire == _LEN:
            size, pos = _read_varint(data, pos)
            if pos + size > len(data):
                raise ValueError("truncated field")
            out[number], pos = data[pos : pos + size], pos + size
        elif wire in (_I64, _I32):
            pos += 8 if wire == _I64 else 4
        else:
            raise ValueError(f"wire type {wire}")
    if pos != len(data):
        raise ValueError("truncated fixed field")
    return out


def _str(fields: dict[int, int | bytes], number: int) -> str:
    value = fields.get(number, b"")
    return value.decode() if isinstance(value, bytes) else ""


def _int(fields: dict[int, int | bytes], number: int) -> int:
    value = fields.get(number, 0)
    return value if isinstance(value, int) else 0


def decode_frame(data: bytes) -> PbFrame:
    """The frame inside one serialized `pipecat.Frame`.

    Raises:
        VoiceError: (protocol_error) not a protobuf `Frame`, or no known frame set.
    """
    try:
        outer = _fields(data)
        kinds = [n for n in (1, 2, 3, 4, 5) if isinstance(outer.get(n), bytes)]
        if not kinds:
            raise ValueError("no frame set in the oneof")
        number = kinds[-1]
        inner = outer[number]
        assert isinstance(inner, bytes)
        f = _fields(inner)
        if number == 2:
            audio = f.get(3, b"")
            return PbAudio(audio if isinstance(audio, bytes) else b"", _int(f, 4), _int(f, 5), _str(f, 2))
        if number == 4:
            return PbMessage(_str(f, 1))
        if number == 1:
            return PbText(_str(f, 3), _str(f, 2))
        if number == 3:
            return PbTranscription(_str(f, 3), _str(f, 4), _str(f, 5))
        return PbInterruption()
    except (ValueError, UnicodeDecodeError) as exc:
        raise VoiceError(ErrorCode.PROTOCOL_ERROR, f"not a Pipecat protobuf frame: {exc}") from None
