"""Decodes server messages of the OpenAI Realtime protocol into typed events, strictly."""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.s2s.realtime_server_events import (
    AudioDelta,
    FunctionCall,
    InputCommitted,
    ItemTruncated,
    OtherEvent,
    RealtimeTextDelta,
    ResponseCreated,
    ResponseDone,
    ServerError,
    ServerEvent,
    SessionEvent,
    SpeechStarted,
    SpeechStopped,
    TextDone,
    UserTranscript,
)

if TYPE_CHECKING:
    from collections.abc import Callable

BETA_NAMES = {
    "response.audio.delta": "response.output_audio.delta",
    "response.audio.done": "response.output_audio.done",
    "response.audio_transcript.delta": "response.output_audio_transcript.delta",
    "response.audio_transcript.done": "response.output_audio_transcript.done",
    "response.text.delta": "response.output_text.delta",
    "response.text.done": "response.output_text.done",
    "conversation.item.created": "conversation.item.added",
}
"""Beta event name -> GA event name, where they differ."""


def decode_server_event(message: str | bytes) -> ServerEvent:
    """One server message as a typed event (beta names become GA names).

    Raises:
        VoiceError: (protocol_error) not a JSON object with a string `type`, a field of
            the wrong type, or audio that is not base64.
    """
    if not isinstance(message, str):
        raise VoiceError(ErrorCode.PROTOCOL_ERROR, "realtime server sent a binary message")
    try:
        data = json.loads(message)
    except ValueError:
        raise VoiceError(ErrorCode.PROTOCOL_ERROR, "realtime server sent invalid JSON") from None
    name = data.get("type") if isinstance(data, dict) else None
    if not isinstance(name, str):
        raise VoiceError(ErrorCode.PROTOCOL_ERROR, "realtime server event has no type")
    kind = BETA_NAMES.get(name, name)
    decode = _DECODERS.get(kind)
    if decode is None:
        return OtherEvent(kind, data)
    return decode(kind, data)


def _field(data: dict[str, Any], key: str, kind: type, default: Any) -> Any:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise VoiceError(ErrorCode.PROTOCOL_ERROR, f"{data.get('type')}: {key!r} is not a {kind.__name__}")
    return value


def _s(data: dict[str, Any], key: str) -> str:
    text: str = _field(data, key, str, "")
    return text


def _obj(data: dict[str, Any], key: str) -> dict[str, Any]:
    obj: dict[str, Any] = _field(data, key, dict, {})
    return obj


def _session(kind: str, d: dict[str, Any]) -> ServerEvent:
    return SessionEvent(kind, _obj(d, "session"))


def _speech_started(kind: str, d: dict[str, Any]) -> ServerEvent:
    return SpeechStarted(kind, _s(d, "item_id"), _field(d, "audio_start_ms", int, 0))


def _speech_stopped(kind: str, d: dict[str, Any]) -> ServerEvent:
    return SpeechStopped(kind, _s(d, "item_id"), _field(d, "audio_end_ms", int, 0))


def _committed(kind: str, d: dict[str, Any]) -> ServerEvent:
    return InputCommitted(kind, _s(d, "item_id"))


def _user_delta(kind: str, d: dict[str, Any]) -> ServerEvent:
    return UserTranscript(kind, _s(d, "item_id"), _s(d, "delta"), final=False)


def _user_done(kind: str, d: dict[str, Any]) -> ServerEvent:
    return UserTranscript(kind, _s(d, "item_id"), _s(d, "transcript"), final=True)


def _created(kind: str, d: dict[str, Any]) -> ServerEvent:
    response = _obj(d, "response")
    rid = _s(response, "id")
    if not rid:
        raise VoiceError(ErrorCode.PROTOCOL_ERROR, f"{kind}: the response has no id")
    return ResponseCreated(kind, rid)


def _audio(kind: str, d: dict[str, Any]) -> ServerEvent:
    try:
        audio = base64.b64decode(_s(d, "delta"), validate=True)
    except binascii.Error:
        raise VoiceError(ErrorCode.PROTOCOL_ERROR, f"{kind}: audio is not base64") from None
    return AudioDelta(kind, _s(d, "response_id"), _s(d, "item_id"), audio)


def _text_delta(kind: str, d: dict[str, Any]) -> ServerEvent:
    transcript = "transcript" in kind
    return RealtimeTextDelta(kind, _s(d, "response_id"), _s(d, "item_id"), _s(d, "delta"), transcript)


def _text_done(kind: str, d: dict[str, Any]) -> ServerEvent:
    transcript = "transcript" in kind
    text = _s(d, "transcript") if transcript else _s(d, "text")
    return TextDone(kind, _s(d, "response_id"), _s(d, "item_id"), text, transcript)


def _call(kind: str, d: dict[str, Any]) -> ServerEvent:
    if not _s(d, "call_id") or not _s(d, "name"):
        raise VoiceError(ErrorCode.PROTOCOL_ERROR, f"{kind}: a function call needs call_id and name")
    args = _s(d, "arguments")
    return FunctionCall(kind, _s(d, "response_id"), _s(d, "item_id"), _s(d, "call_id"), _s(d, "name"), args)


def _done(kind: str, d: dict[str, Any]) -> ServerEvent:
    response = _obj(d, "response")
    details = _obj(response, "status_details")
    error = _field(details, "error", dict, None)
    reason = _s(details, "reason")
    return ResponseDone(kind, _s(response, "id"), _s(response, "status"), reason, error)


def _truncated(kind: str, d: dict[str, Any]) -> ServerEvent:
    return ItemTruncated(kind, _s(d, "item_id"), _field(d, "audio_end_ms", int, 0))


def _error(kind: str, d: dict[str, Any]) -> ServerEvent:
    err = _obj(d, "error")
    return ServerError(
        kind, _s(err, "type"), _s(err, "code"), _s(err, "message"), _s(err, "param"), _s(err, "event_id")
    )


_DECODERS: dict[str, Callable[[str, dict[str, Any]], ServerEvent]] = {
    "session.created": _session,
    "session.updated": _session,
    "input_audio_buffer.speech_started": _speech_started,
    "input_audio_buffer.speech_stopped": _speech_stopped,
    "input_audio_buffer.committed": _committed,
    "conversation.item.input_audio_transcription.delta": _user_delta,
    "conversation.item.input_audio_transcription.completed": _user_done,
    "response.created": _created,
    "response.output_audio.delta": _audio,
    "response.output_audio_transcript.delta": _text_delta,
    "response.output_text.delta": _text_delta,
    "response.output_audio_transcript.done": _text_done,
    "response.output_text.done": _text_done,
    "response.function_call_arguments.done": _call,
    "response.done": _done,
    "conversation.item.truncated": _truncated,
    "error": _error,
}
