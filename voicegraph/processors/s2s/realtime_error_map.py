"""Maps the realtime provider's errors (error events, failed responses, HTTP refusals) to codes."""

from __future__ import annotations

from typing import Any

from voicegraph.framework.errors import ErrorCode, VoiceError

IGNORED_CODES = frozenset({"response_cancel_not_active"})
"""Harmless races: a cancel sent just after the provider ended the response itself."""

_BY_CODE = {
    "invalid_api_key": ErrorCode.AUTHENTICATION_FAILED,
    "model_not_found": ErrorCode.INVALID_CONFIG,
    "rate_limit_exceeded": ErrorCode.RATE_LIMIT_EXCEEDED,
    "session_expired": ErrorCode.SESSION_NOT_FOUND,
    "conversation_already_has_active_response": ErrorCode.PROTOCOL_ERROR,
    "input_audio_buffer_commit_empty": ErrorCode.INVALID_INPUT,
    "timeout": ErrorCode.TIMEOUT,  # ours: no response.done within response_timeout_s
}
_BY_TYPE = {
    "authentication_error": ErrorCode.AUTHENTICATION_FAILED,
    "permission_error": ErrorCode.AUTHORIZATION_FAILED,
    "rate_limit_error": ErrorCode.RATE_LIMIT_EXCEEDED,
    "server_error": ErrorCode.AGENT_ERROR,
    "invalid_request_error": ErrorCode.INVALID_INPUT,
}
_REFUSED_VALUE = frozenset(
    {"invalid_value", "invalid_type", "unknown_parameter", "missing_required_parameter"}
)
_RETRIABLE = frozenset({ErrorCode.RATE_LIMIT_EXCEEDED, ErrorCode.AGENT_ERROR})


def error_code_for(code: str, error_type: str, param: str = "") -> ErrorCode:
    """The voicegraph code for a provider error.

    A refused value in the session's audio format is `not_negotiated`; any other refused
    session field is `invalid_config`; a refused client event is `invalid_input`.
    """
    if code in _BY_CODE:
        return _BY_CODE[code]
    if code in _REFUSED_VALUE and param:
        if "format" in param:
            return ErrorCode.NOT_NEGOTIATED
        if param.startswith("session"):
            return ErrorCode.INVALID_CONFIG
    return _BY_TYPE.get(error_type, ErrorCode.AGENT_ERROR)


def voice_error(error: dict[str, Any], *, node: str | None = None, context: str = "") -> VoiceError | None:
    """A `VoiceError` for a provider error object (`type`, `code`, `message`, `param`).

    None for a harmless one (see `IGNORED_CODES`).
    """
    code = str(error.get("code") or "")
    if code in IGNORED_CODES:
        return None
    error_type = str(error.get("type") or "")
    param = str(error.get("param") or "")
    mapped = error_code_for(code, error_type, param)
    detail = str(error.get("message") or code or error_type or "unknown error")
    where = f" ({param})" if param else ""
    prefix = f"{context}: " if context else ""
    return VoiceError(
        mapped, f"{prefix}realtime provider: {detail}{where}", node=node, retriable=mapped in _RETRIABLE
    )


def handshake_error(status: int, *, node: str | None = None) -> VoiceError:
    """A `VoiceError` for an HTTP status that refused the WebSocket upgrade."""
    if status == 401:
        return VoiceError(ErrorCode.AUTHENTICATION_FAILED, "realtime provider refused the API key", node=node)
    if status == 403:
        return VoiceError(ErrorCode.AUTHORIZATION_FAILED, "realtime provider refused access", node=node)
    if status == 404:
        return VoiceError(ErrorCode.INVALID_CONFIG, "realtime endpoint or model not found", node=node)
    if status == 429:
        return VoiceError(
            ErrorCode.RATE_LIMIT_EXCEEDED, "realtime provider rate limit", node=node, retriable=True
        )
    return VoiceError(
        ErrorCode.CONNECTION_FAILED, f"realtime provider refused the connection: HTTP {status}", node=node,
        retriable=status >= 500,
    )  # fmt: skip
