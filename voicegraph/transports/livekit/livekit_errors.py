"""Map LiveKit SDK failures (room connect, Twirp RoomService, HTTP) to coded VoiceErrors."""

from __future__ import annotations

import asyncio

from voicegraph.framework.errors import ErrorCode, VoiceError

_AUTH = ("401", "unauthorized", "invalid token", "invalid api key", "unauthenticated")
_FORBIDDEN = ("403", "forbidden", "permission denied", "permission_denied")
_NO_ROOM = ("404", "does not exist", "not found", "not_found")
_TIMEOUT = ("timed out", "timeout")


def connect_error(exc: BaseException, *, room: str) -> VoiceError:
    """The VoiceError for a failed `rtc.Room.connect` (the SDK reports text only).

    Codes: authentication_failed (bad key or secret, expired token), authorization_failed
    (the token does not allow this room), connection_failed (unknown room, refused,
    anything else; retriable unless the room is unknown) and connection_timeout.
    """
    text = str(getattr(exc, "message", "") or exc).lower()
    if any(k in text for k in _AUTH):
        return VoiceError(ErrorCode.AUTHENTICATION_FAILED, f"LiveKit refused the credentials for {room!r}")
    if any(k in text for k in _FORBIDDEN):
        return VoiceError(ErrorCode.AUTHORIZATION_FAILED, f"the token does not allow joining {room!r}")
    if any(k in text for k in _NO_ROOM):
        return VoiceError(ErrorCode.CONNECTION_FAILED, f"room {room!r} does not exist on the server")
    if any(k in text for k in _TIMEOUT):
        return timeout_error(f"joining {room!r}")
    return VoiceError(ErrorCode.CONNECTION_FAILED, f"cannot join {room!r}: {_short(text)}", retriable=True)


def timeout_error(what: str) -> VoiceError:
    """The VoiceError for a deadline that passed (the server did not answer in time)."""
    return VoiceError(ErrorCode.CONNECTION_TIMEOUT, f"LiveKit did not answer in time: {what}", retriable=True)


def api_error(exc: BaseException, *, what: str) -> VoiceError:
    """The VoiceError for a failed RoomService (Twirp) or HTTP call.

    Twirp 401 -> authentication_failed, 403 -> authorization_failed, 404 ->
    connection_failed (unknown room), 5xx and transport errors -> connection_failed
    (retriable), timeouts -> connection_timeout.
    """
    if isinstance(exc, VoiceError):
        return exc
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return timeout_error(what)
    status = getattr(exc, "status", None)
    if isinstance(status, int):
        code = str(getattr(exc, "code", ""))
        if status == 401 or code == "unauthenticated":
            return VoiceError(ErrorCode.AUTHENTICATION_FAILED, f"{what}: LiveKit refused the credentials")
        if status == 403 or code == "permission_denied":
            return VoiceError(ErrorCode.AUTHORIZATION_FAILED, f"{what}: not allowed")
        if status == 404 or code == "not_found":
            return VoiceError(
                ErrorCode.CONNECTION_FAILED, f"{what}: {getattr(exc, 'message', '') or 'not found'}"
            )
        if 400 <= status < 500:
            return VoiceError(ErrorCode.INVALID_INPUT, f"{what}: {getattr(exc, 'message', '')} ({status})")
        return VoiceError(ErrorCode.CONNECTION_FAILED, f"{what}: server error {status}", retriable=True)
    if "timeout" in type(exc).__name__.lower():
        return timeout_error(what)
    return VoiceError(ErrorCode.CONNECTION_FAILED, f"{what}: {type(exc).__name__}: {exc}", retriable=True)


def _short(text: str, limit: int = 160) -> str:
    # SDK messages may quote the whole token; never echo it into logs or clients
    cut = text.split(" - invalid token:")[0]
    return cut if len(cut) <= limit else cut[:limit] + "..."
