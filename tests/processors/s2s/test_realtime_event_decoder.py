"""Server events decode strictly: GA and beta names alike, malformed ones as protocol errors."""

from __future__ import annotations

import base64
import json

import pytest

from voicegraph.framework import ErrorCode, VoiceError
from voicegraph.processors.s2s.realtime_event_decoder import decode_server_event
from voicegraph.processors.s2s.realtime_server_events import (
    AudioDelta,
    FunctionCall,
    OtherEvent,
    RealtimeTextDelta,
    ResponseDone,
    ServerError,
)


def test_beta_audio_delta_decodes_as_the_ga_event_with_its_audio() -> None:
    audio = b"\x01\x00\x02\x00"
    raw = {
        "type": "response.audio.delta",
        "response_id": "r1",
        "item_id": "i1",
        "delta": base64.b64encode(audio).decode(),
    }
    event = decode_server_event(json.dumps(raw))
    assert event == AudioDelta("response.output_audio.delta", "r1", "i1", audio)


def test_beta_transcript_delta_decodes_as_a_transcript_text_delta() -> None:
    event = decode_server_event(
        json.dumps({"type": "response.audio_transcript.delta", "response_id": "r", "delta": "Hi"})
    )
    assert isinstance(event, RealtimeTextDelta)
    assert (event.type, event.text, event.transcript) == (
        "response.output_audio_transcript.delta",
        "Hi",
        True,
    )


def test_function_call_done_carries_call_id_name_and_arguments() -> None:
    raw = {"type": "response.function_call_arguments.done", "response_id": "r", "item_id": "i",
           "call_id": "c", "name": "get_weather", "arguments": '{"city": "Paris"}'}  # fmt: skip
    event = decode_server_event(json.dumps(raw))
    assert event == FunctionCall(raw["type"], "r", "i", "c", "get_weather", '{"city": "Paris"}')


def test_failed_response_carries_the_providers_error_object() -> None:
    error = {"type": "invalid_request_error", "code": "model_not_found", "message": "no such model"}
    raw = {
        "type": "response.done",
        "response": {"id": "r", "status": "failed", "status_details": {"type": "failed", "error": error}},
    }
    event = decode_server_event(json.dumps(raw))
    assert event == ResponseDone("response.done", "r", "failed", "", error)


def test_error_event_keeps_code_param_and_causing_event_id() -> None:
    raw = {"type": "error", "error": {"type": "invalid_request_error", "code": "invalid_value",
           "message": "m", "param": "session.audio.input.format.rate", "event_id": "e1"}}  # fmt: skip
    event = decode_server_event(json.dumps(raw))
    assert event == ServerError(
        "error", "invalid_request_error", "invalid_value", "m", "session.audio.input.format.rate", "e1"
    )


def test_unknown_event_types_are_kept_as_other_events() -> None:
    assert isinstance(decode_server_event('{"type": "rate_limits.updated", "rate_limits": []}'), OtherEvent)


@pytest.mark.parametrize(
    "message",
    [
        "not json",
        b"\x00binary",
        "[1, 2]",
        '{"no_type": true}',
        '{"type": 5}',
        '{"type": "response.output_audio.delta", "response_id": "r", "delta": "@@not base64@@"}',
        '{"type": "response.output_audio.delta", "response_id": 7, "delta": ""}',
        '{"type": "response.created", "response": {}}',
        '{"type": "response.function_call_arguments.done", "call_id": "", "name": "x"}',
        '{"type": "input_audio_buffer.speech_started", "audio_start_ms": "soon"}',
    ],
)
def test_malformed_server_messages_raise_protocol_errors(message: str | bytes) -> None:
    with pytest.raises(VoiceError) as info:
        decode_server_event(message)
    assert info.value.code is ErrorCode.PROTOCOL_ERROR
