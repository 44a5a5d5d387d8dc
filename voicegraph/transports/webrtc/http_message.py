"""HTTP messages of the signalling server: request, response and coded HTTP errors."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from voicegraph.framework.errors import ErrorCode, VoiceError

_STATUS_TEXT = {
    200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
    411: "Length Required", 413: "Content Too Large", 415: "Unsupported Media Type",
    429: "Too Many Requests", 431: "Request Header Fields Too Large", 500: "Internal Server Error",
    501: "Not Implemented", 503: "Service Unavailable", 504: "Gateway Timeout",
}  # fmt: skip

_STATUS_OF_CODE = {
    ErrorCode.PROTOCOL_ERROR: 400,
    ErrorCode.INVALID_INPUT: 400,
    ErrorCode.NOT_NEGOTIATED: 400,
    ErrorCode.AUTHENTICATION_FAILED: 401,
    ErrorCode.AUTHORIZATION_FAILED: 403,
    ErrorCode.SESSION_NOT_FOUND: 404,
    ErrorCode.RATE_LIMIT_EXCEEDED: 429,
    ErrorCode.SESSION_LIMIT_EXCEEDED: 503,
    ErrorCode.TIMEOUT: 504,
    ErrorCode.CONNECTION_TIMEOUT: 504,
}


def status_text(status: int) -> str:
    """The reason phrase of `status`."""
    return _STATUS_TEXT.get(status, "Unknown")


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One parsed HTTP/1.1 request; the body has been read in full (within the size limit)."""

    method: str
    path: str
    """The path, without the query string."""
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    """Header names lower-cased; repeated headers joined with ", "."""
    body: bytes = b""
    peer: str = ""
    """The client's address, for logs."""

    @property
    def content_type(self) -> str:
        """The media type of the body, lower-cased, without parameters."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """A complete response; the server adds Content-Length and `Connection: close`."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        """The response as bytes on the wire."""
        lines = [
            f"HTTP/1.1 {self.status} {status_text(self.status)}",
            f"Content-Type: {self.content_type}",
            f"Content-Length: {len(self.body)}",
            "Connection: close",
            "Cache-Control: no-store",
            "X-Content-Type-Options: nosniff",
            "Referrer-Policy: no-referrer",  # a page opened with ?token=... must not pass it on
            *(f"{k}: {v}" for k, v in self.headers.items()),
        ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


class HttpError(VoiceError):
    """A `VoiceError` answered with an explicit HTTP status (the body carries the code)."""

    def __init__(self, status: int, code: ErrorCode, message: str, *, retriable: bool = False) -> None:
        super().__init__(code, message, retriable=retriable)
        self.status = status


def json_response(payload: dict[str, Any], status: int = 200) -> HttpResponse:
    """A JSON response."""
    return HttpResponse(status, json.dumps(payload).encode())


def error_response(err: VoiceError) -> HttpResponse:
    """`{"error": {"code", "message", "retriable"}}` with the status for the error's code."""
    status = err.status if isinstance(err, HttpError) else _STATUS_OF_CODE.get(err.code, 500)
    body = {"error": {"code": str(err.code), "message": err.message, "retriable": err.retriable}}
    return json_response(body, status)
