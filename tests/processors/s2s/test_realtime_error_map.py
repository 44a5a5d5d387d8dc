"""Provider errors map to stable voicegraph codes; harmless races map to nothing."""

from __future__ import annotations

import pytest

from voicegraph.framework import ErrorCode
from voicegraph.processors.s2s.realtime_error_map import handshake_error, voice_error


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (
            {
                "type": "invalid_request_error",
                "code": "invalid_value",
                "param": "session.audio.input.format.rate",
            },
            ErrorCode.NOT_NEGOTIATED,
        ),
        (
            {"type": "invalid_request_error", "code": "invalid_value", "param": "session.input_audio_format"},
            ErrorCode.NOT_NEGOTIATED,
        ),
        (
            {
                "type": "invalid_request_error",
                "code": "unknown_parameter",
                "param": "session.input_audio_format",
            },
            ErrorCode.NOT_NEGOTIATED,
        ),
        (
            {"type": "invalid_request_error", "code": "invalid_value", "param": "session.audio.output.voice"},
            ErrorCode.INVALID_CONFIG,
        ),
        ({"type": "invalid_request_error", "code": "model_not_found"}, ErrorCode.INVALID_CONFIG),
        ({"type": "invalid_request_error", "code": "invalid_api_key"}, ErrorCode.AUTHENTICATION_FAILED),
        (
            {"type": "invalid_request_error", "code": "invalid_value", "param": "audio_end_ms"},
            ErrorCode.INVALID_INPUT,
        ),
        (
            {"type": "invalid_request_error", "code": "input_audio_buffer_commit_empty"},
            ErrorCode.INVALID_INPUT,
        ),
        ({"type": "server_error", "code": None}, ErrorCode.AGENT_ERROR),
        ({"type": "rate_limit_error", "code": "rate_limit_exceeded"}, ErrorCode.RATE_LIMIT_EXCEEDED),
    ],
)
def test_provider_errors_map_to_codes(error: dict[str, object], code: ErrorCode) -> None:
    err = voice_error(error, node="s2s")
    assert err is not None
    assert (err.code, err.node) == (code, "s2s")


def test_a_cancel_that_raced_the_end_of_the_response_is_not_an_error() -> None:
    assert voice_error({"type": "invalid_request_error", "code": "response_cancel_not_active"}) is None


def test_server_errors_and_rate_limits_are_retriable() -> None:
    err = voice_error({"type": "server_error"})
    assert err is not None and err.retriable


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (401, ErrorCode.AUTHENTICATION_FAILED),
        (403, ErrorCode.AUTHORIZATION_FAILED),
        (404, ErrorCode.INVALID_CONFIG),
        (429, ErrorCode.RATE_LIMIT_EXCEEDED),
        (503, ErrorCode.CONNECTION_FAILED),
    ],
)
def test_refused_handshakes_map_to_codes(status: int, code: ErrorCode) -> None:
    assert handshake_error(status).code is code
