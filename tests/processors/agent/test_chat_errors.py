"""Mapping of HTTP statuses and OpenAI error bodies to error codes."""

from __future__ import annotations

import json

import httpx
import pytest

from voicegraph.framework.errors import ErrorCode
from voicegraph.processors.agent.chat_errors import error_from_status, error_from_transport


@pytest.mark.parametrize(
    ("status", "code", "retriable"),
    [
        (401, ErrorCode.AUTHENTICATION_FAILED, False),
        (403, ErrorCode.AUTHORIZATION_FAILED, False),
        (429, ErrorCode.RATE_LIMIT_EXCEEDED, True),
        (500, ErrorCode.CONNECTION_FAILED, True),
        (503, ErrorCode.CONNECTION_FAILED, True),
        (400, ErrorCode.INVALID_INPUT, False),
        (404, ErrorCode.INVALID_CONFIG, False),
        (418, ErrorCode.AGENT_ERROR, False),
    ],
)
def test_status_maps_to_code_and_retriability(status: int, code: ErrorCode, retriable: bool) -> None:
    err = error_from_status(status, b"")
    assert (err.code, err.retriable) == (code, retriable)


def test_quota_body_makes_a_429_not_retriable() -> None:
    body = json.dumps(
        {"error": {"message": "no quota", "type": "insufficient_quota", "code": "insufficient_quota"}}
    )
    err = error_from_status(429, body.encode())
    assert (err.code, err.retriable) == (ErrorCode.RATE_LIMIT_EXCEEDED, False)


def test_retry_after_seconds_are_read_and_dates_ignored() -> None:
    assert error_from_status(429, b"", httpx.Headers({"Retry-After": "1.5"})).retry_after_s == 1.5
    date = httpx.Headers({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert error_from_status(429, b"", date).retry_after_s is None


def test_transport_failures_map_to_connection_codes() -> None:
    url = "http://127.0.0.1:1/v1/chat/completions"
    assert error_from_transport(httpx.ConnectTimeout("t"), url).code is ErrorCode.CONNECTION_TIMEOUT
    assert error_from_transport(httpx.ReadTimeout("t"), url).code is ErrorCode.TIMEOUT
    assert error_from_transport(httpx.ConnectError("c"), url).code is ErrorCode.CONNECTION_FAILED
    assert error_from_transport(httpx.RemoteProtocolError("p"), url).retriable
