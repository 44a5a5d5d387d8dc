"""Coded JSON error replies of the `vapi` provider's HTTP endpoints."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from aiohttp import web

STATUS_OF_CODE = {
    ErrorCode.INVALID_INPUT: 400,
    ErrorCode.PROTOCOL_ERROR: 400,
    ErrorCode.AUTHENTICATION_FAILED: 401,
    ErrorCode.AUTHORIZATION_FAILED: 403,
    ErrorCode.SESSION_NOT_FOUND: 404,
    ErrorCode.RATE_LIMIT_EXCEEDED: 429,
    ErrorCode.SESSION_LIMIT_EXCEEDED: 503,
    ErrorCode.TIMEOUT: 504,
}


def error_body(err: VoiceError) -> dict[str, Any]:
    """`{"error": {"code", "message", "retriable"}}` (the project's HTTP error shape)."""
    return {"error": {"code": str(err.code), "message": err.message, "retriable": err.retriable}}


def error_response(err: VoiceError) -> web.Response:
    """The error as JSON with the status its code maps to (500 for the rest)."""
    from aiohttp import web

    status = STATUS_OF_CODE.get(err.code, 500)
    return web.json_response(error_body(err), status=status)


def parse_json_object(body: bytes, what: str) -> dict[str, Any]:
    """The body as a JSON object.

    Raises:
        VoiceError: (invalid_input) not JSON, or not an object.
    """
    try:
        value = json.loads(body)
    except json.JSONDecodeError as exc:
        raise VoiceError(ErrorCode.INVALID_INPUT, f"{what}: body is not JSON ({exc.msg})") from None
    except RecursionError:  # json.loads recurses once per nesting level
        raise VoiceError(ErrorCode.INVALID_INPUT, f"{what}: body is nested too deep") from None
    except UnicodeDecodeError:
        raise VoiceError(ErrorCode.INVALID_INPUT, f"{what}: body is not UTF-8") from None
    if not isinstance(value, dict):
        raise VoiceError(ErrorCode.INVALID_INPUT, f"{what}: body must be a JSON object")
    return value
