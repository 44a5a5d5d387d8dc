"""WebSocket close codes for session errors: 4000 + the nearest HTTP status."""

from __future__ import annotations

from voicegraph.framework.errors import ErrorCode, VoiceError

_CODES = {
    ErrorCode.PROTOCOL_ERROR: 4400,
    ErrorCode.INVALID_INPUT: 4400,
    ErrorCode.AUTHENTICATION_FAILED: 4401,
    ErrorCode.AUTHORIZATION_FAILED: 4403,
    ErrorCode.SESSION_NOT_FOUND: 4404,
    ErrorCode.TIMEOUT: 4408,
    ErrorCode.CONNECTION_TIMEOUT: 4408,
    ErrorCode.NOT_NEGOTIATED: 4415,
    ErrorCode.SESSION_LIMIT_EXCEEDED: 4429,
    ErrorCode.RATE_LIMIT_EXCEEDED: 4429,
}
SERVER_ERROR = 4500
NORMAL = 1000


def close_code(code: ErrorCode) -> int:
    """The close code for an error code (4500 for server-side failures)."""
    return _CODES.get(code, SERVER_ERROR)


def close_reason(err: VoiceError) -> str:
    """`"<error code>: <message>"`, cut to the 123 bytes a close frame allows."""
    text = f"{err.code}: {err.message}".encode()[:123]
    return text.decode("utf-8", errors="ignore")
