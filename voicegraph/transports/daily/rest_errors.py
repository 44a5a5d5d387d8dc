"""Daily REST error answers as coded `VoiceError`s (401, 403, 404, 429, 4xx, 5xx)."""

from __future__ import annotations

from typing import Any

from voicegraph.framework.errors import ErrorCode, VoiceError

RETRIABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Statuses the client retries (rate limit, server errors)."""


def rest_error(status: int, body: Any, what: str) -> VoiceError:
    """The coded error for Daily's answer `status` with error body `body` to request `what`.

    Daily's error body is `{"error": "<type>", "info": "<text>"}` (protocols/daily.md §1);
    the type and text go into the message, the code comes from the status.
    """
    kind, info = "", ""
    if isinstance(body, dict):
        kind, info = str(body.get("error", "")), str(body.get("info", ""))
    detail = f"{what}: HTTP {status}" + (f" {kind}" if kind else "") + (f": {info}" if info else "")
    if status == 401:
        return VoiceError(ErrorCode.AUTHENTICATION_FAILED, f"{detail} (check the Daily API key)")
    if status == 403:
        return VoiceError(ErrorCode.AUTHORIZATION_FAILED, detail)
    if status == 404:
        return VoiceError(ErrorCode.NOT_FOUND, detail)
    if status == 429:
        return VoiceError(ErrorCode.RATE_LIMIT_EXCEEDED, detail, retriable=True)
    if status >= 500:
        return VoiceError(ErrorCode.CONNECTION_FAILED, detail, retriable=True)
    return VoiceError(ErrorCode.INVALID_INPUT, detail)


def retry_after_s(header: str | None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta seconds; dates are ignored)."""
    if not header:
        return None
    try:
        value = float(header.strip())
    except ValueError:
        return None
    return value if value >= 0 else None
