"""ChatServiceError and the mapping of HTTP statuses, error bodies and transport failures to codes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    import httpx

_STATUS_CODES: dict[int, tuple[ErrorCode, bool]] = {
    400: (ErrorCode.INVALID_INPUT, False),
    401: (ErrorCode.AUTHENTICATION_FAILED, False),
    403: (ErrorCode.AUTHORIZATION_FAILED, False),
    404: (ErrorCode.INVALID_CONFIG, False),
    408: (ErrorCode.TIMEOUT, True),
    409: (ErrorCode.CONNECTION_FAILED, True),
    422: (ErrorCode.INVALID_INPUT, False),
    429: (ErrorCode.RATE_LIMIT_EXCEEDED, True),
}

_TYPE_CODES: dict[str, tuple[ErrorCode, bool]] = {
    "invalid_request_error": (ErrorCode.INVALID_INPUT, False),
    "authentication_error": (ErrorCode.AUTHENTICATION_FAILED, False),
    "invalid_api_key": (ErrorCode.AUTHENTICATION_FAILED, False),
    "permission_error": (ErrorCode.AUTHORIZATION_FAILED, False),
    "not_found_error": (ErrorCode.INVALID_CONFIG, False),
    "model_not_found": (ErrorCode.INVALID_CONFIG, False),
    "rate_limit_error": (ErrorCode.RATE_LIMIT_EXCEEDED, True),
    "rate_limit_exceeded": (ErrorCode.RATE_LIMIT_EXCEEDED, True),
    "insufficient_quota": (ErrorCode.RATE_LIMIT_EXCEEDED, False),  # retrying cannot refill a quota
    "server_error": (ErrorCode.CONNECTION_FAILED, True),
    "api_error": (ErrorCode.AGENT_ERROR, True),
    "overloaded_error": (ErrorCode.CONNECTION_FAILED, True),
}


class ChatServiceError(VoiceError):
    """A failed chat request: a `VoiceError` plus the server's `Retry-After` hint, if any."""

    retry_after_s: float | None = None  # class default: copies made by `with_node` skip __init__

    def __init__(
        self, code: ErrorCode, message: str, *, retriable: bool = False, retry_after_s: float | None = None
    ) -> None:
        super().__init__(code, message, retriable=retriable)
        self.retry_after_s = retry_after_s


def error_from_status(status: int, body: bytes, headers: httpx.Headers | None = None) -> ChatServiceError:
    """Map a non-2xx response to a coded error (401 auth, 403 authz, 429 rate, 5xx connection).

    An OpenAI-style `{"error": {"code"|"type": ...}}` body refines the code, so a 429 with
    `insufficient_quota` is not retried.
    """
    code, retriable = _STATUS_CODES.get(status, (ErrorCode.AGENT_ERROR, False))
    if status >= 500:
        code, retriable = ErrorCode.CONNECTION_FAILED, True
    detail = _error_object(body)
    refined = _refine(detail)
    if refined is not None and refined[0] is code:
        retriable = retriable and refined[1]
    message = f"HTTP {status}: {_message(detail, body)}"
    return ChatServiceError(code, message, retriable=retriable, retry_after_s=_retry_after(headers))


def error_from_payload(detail: Any) -> ChatServiceError:
    """Map a mid-stream `{"error": {...}}` object to a coded error."""
    if isinstance(detail, dict) and isinstance(detail.get("code"), int):
        status = detail["code"]
        return error_from_status(status, json.dumps({"error": detail}).encode())
    code, retriable = _refine(detail) or (ErrorCode.AGENT_ERROR, False)
    return ChatServiceError(code, f"stream error: {_message(detail, b'')}", retriable=retriable)


def error_from_transport(
    exc: httpx.HTTPError, url: str, *, before_response: bool = False
) -> ChatServiceError:
    """Map an httpx failure (connect, read, protocol) to a coded, retriable error.

    A connection dropped before any response (`before_response`) is most often a pooled
    keep-alive connection the server had just closed: it is retried at once, no backoff.
    """
    import httpx  # present: it raised `exc`

    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return ChatServiceError(ErrorCode.CONNECTION_TIMEOUT, f"connect to {url} timed out", retriable=True)
    if isinstance(exc, httpx.TimeoutException):
        return ChatServiceError(ErrorCode.TIMEOUT, f"{url}: {type(exc).__name__}", retriable=True)
    if isinstance(exc, httpx.TransportError):
        detail = f"{url}: {type(exc).__name__}: {exc}"
        stale = before_response and isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError)
        return ChatServiceError(
            ErrorCode.CONNECTION_FAILED, detail, retriable=True, retry_after_s=0.0 if stale else None
        )
    return ChatServiceError(ErrorCode.PROTOCOL_ERROR, f"{url}: {type(exc).__name__}: {exc}")


def _error_object(body: bytes) -> Any:
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    return parsed.get("error") if isinstance(parsed, dict) else None


def _refine(detail: Any) -> tuple[ErrorCode, bool] | None:
    if not isinstance(detail, dict):
        return None
    for key in ("code", "type"):
        value = detail.get(key)
        if isinstance(value, str) and value in _TYPE_CODES:
            return _TYPE_CODES[value]
    return None


def _message(detail: Any, body: bytes) -> str:
    if isinstance(detail, dict) and isinstance(detail.get("message"), str):
        return str(detail["message"])[:300]
    if isinstance(detail, str):
        return detail[:300]
    return body[:300].decode("utf-8", "replace") or "(no body)"


def _retry_after(headers: httpx.Headers | None) -> float | None:
    value = headers.get("retry-after") if headers is not None else None
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: ignore it and use our own backoff
