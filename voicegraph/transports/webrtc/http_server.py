"""HttpServer: a small HTTP/1.1 server on asyncio streams, for signalling and the web page."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Self

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.transports.webrtc.http_message import HttpError, HttpRequest, HttpResponse, error_response

if TYPE_CHECKING:
    import ssl
    from types import TracebackType

log = logging.getLogger("voicegraph.transports.webrtc")

Handler = Callable[[HttpRequest], Awaitable[HttpResponse]]
"""Answers one request."""

_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_TARGET = re.compile(r"^/[\x21-\x7e]*$")
_DIGITS = re.compile(r"[0-9]+")  # not str.isdigit: "\xb2" is a digit to it, and int() refuses it


class HttpServer:
    """Serves a few routes over HTTP/1.1: one request per connection, every limit enforced.

    Enough HTTP for a signalling endpoint and a static page, with no dependency beyond
    asyncio. Each connection sends one request (`Content-Length` bodies only; chunked
    bodies get 411) and gets one response, then the server closes it. Errors are JSON
    bodies `{"error": {"code", "message", "retriable"}}` with a `VoiceError` code:
    oversize headers (431) or body (413, not read), a slow client (408 after
    `read_timeout_s`), a malformed request (400), unknown path (404), wrong method
    (405), too many open connections (503), a handler that fails (500) or overruns
    `handler_timeout_s` (504). A client can never stop the server: every failure stays
    inside its own connection.

    Args:
        host, port: where to listen (port 0: any free port, see `port`).
        max_header_bytes: largest request line plus headers.
        max_body_bytes: largest body.
        read_timeout_s: time a client has to send its whole request.
        handler_timeout_s: time a handler has to answer.
        max_connections: connections served at once; more are answered 503 at once.
        ssl_context: serve https.
        reuse_port: set SO_REUSEPORT (several worker processes on one port).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_header_bytes: int = 8192,
        max_body_bytes: int = 64 * 1024,
        read_timeout_s: float = 10.0,
        handler_timeout_s: float = 30.0,
        max_connections: int = 128,
        ssl_context: ssl.SSLContext | None = None,
        reuse_port: bool = False,
    ) -> None:
        self.host, self._port = host, port
        self._reuse_port = reuse_port
        self.max_header_bytes, self.max_body_bytes = max_header_bytes, max_body_bytes
        self.read_timeout_s, self.handler_timeout_s = read_timeout_s, handler_timeout_s
        self.max_connections = max_connections
        self._ssl = ssl_context
        self._routes: dict[str, dict[str, Handler]] = {}
        self._server: asyncio.Server | None = None
        self._open = 0
        self._writers: set[asyncio.StreamWriter] = set()
        self._idle = asyncio.Event()  # set while no connection is open
        self._idle.set()
        self.requests = 0
        """Requests answered (any status)."""
        self.rejected = 0
        """Requests answered with an error status."""

    def route(self, method: str, path: str, handler: Handler) -> None:
        """Serve `method path` with `handler` (GET routes also answer HEAD)."""
        self._routes.setdefault(path, {})[method.upper()] = handler

    @property
    def port(self) -> int:
        """The port listened on (the real one after `start` with port 0)."""
        return self._port

    @property
    def connections(self) -> int:
        """Client connections open now."""
        return self._open

    async def start(self) -> None:
        """Start listening."""
        self._server = await asyncio.start_server(
            self._serve, self.host, self._port, limit=self.max_header_bytes, ssl=self._ssl,
            reuse_port=self._reuse_port or None,
        )  # fmt: skip
        self._port = int(self._server.sockets[0].getsockname()[1])

    async def stop(self, timeout: float = 2.0) -> None:
        """Stop listening, drop open connections and wait (up to `timeout`) for their handlers."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()  # a handler blocked on reading ends at once
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._idle.wait()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # -- one connection ---------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        name = writer.get_extra_info("peername")
        peer = f"{name[0]}:{name[1]}" if isinstance(name, tuple) and len(name) >= 2 else str(name or "")
        self._open += 1
        self._writers.add(writer)
        self._idle.clear()
        try:
            if self._open > self.max_connections:
                response: HttpResponse | None = error_response(
                    HttpError(503, ErrorCode.SESSION_LIMIT_EXCEEDED, "too many connections", retriable=True)
                )
            else:
                response = await self._answer(reader, peer)
            if response is not None:
                await self._respond(writer, response)
            await self._linger(reader, writer)
        finally:
            self._open -= 1
            self._writers.discard(writer)
            if not self._open:
                self._idle.set()
            writer.close()
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1.0):
                    await writer.wait_closed()

    async def _linger(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Half-close, then discard what the client still sends (briefly, boundedly).

        Closing a socket with unread input sends a reset, which can destroy the response
        before the client reads it (an early 413 or 503, say).
        """
        with contextlib.suppress(Exception):
            if writer.can_write_eof():
                writer.write_eof()
            async with asyncio.timeout(1.0):
                left = 4 * self.max_body_bytes
                while left > 0 and (chunk := await reader.read(min(left, 65536))):
                    left -= len(chunk)

    async def _answer(self, reader: asyncio.StreamReader, peer: str) -> HttpResponse | None:
        try:
            try:
                async with asyncio.timeout(self.read_timeout_s):
                    request = await self._read(reader, peer)
            except TimeoutError:
                raise HttpError(408, ErrorCode.TIMEOUT, "request not received in time") from None
            if request is None:
                return None
            return await self._dispatch(request)
        except VoiceError as err:
            return error_response(err)
        except Exception:
            log.exception("HTTP request from %s failed", peer)
            return error_response(HttpError(500, ErrorCode.PIPELINE_ERROR, "internal error"))

    async def _respond(self, writer: asyncio.StreamWriter, response: HttpResponse) -> None:
        self.requests += 1
        self.rejected += response.status >= 400
        with contextlib.suppress(ConnectionError, TimeoutError):
            writer.write(response.encode())
            async with asyncio.timeout(self.read_timeout_s):
                await writer.drain()

    async def _read(self, reader: asyncio.StreamReader, peer: str) -> HttpRequest | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            raise HttpError(431, ErrorCode.PROTOCOL_ERROR, "request headers too large") from None
        except (asyncio.IncompleteReadError, ConnectionError):
            return None  # the client went away before a whole request
        if len(head) > self.max_header_bytes:
            raise HttpError(431, ErrorCode.PROTOCOL_ERROR, "request headers too large")
        method, target, headers = _parse_head(head)
        path, _, query = target.partition("?")
        length = self._body_length(method, headers)
        try:
            body = await reader.readexactly(length) if length else b""
        except (asyncio.IncompleteReadError, ConnectionError):
            return None
        return HttpRequest(method, path, query, headers, body, peer)

    def _body_length(self, method: str, headers: dict[str, str]) -> int:
        if "transfer-encoding" in headers:
            raise HttpError(411, ErrorCode.PROTOCOL_ERROR, "send a Content-Length body (no chunked encoding)")
        raw = headers.get("content-length")
        if raw is None:
            if method == "POST":
                raise HttpError(411, ErrorCode.PROTOCOL_ERROR, "Content-Length required")
            return 0
        if not _DIGITS.fullmatch(raw):
            raise HttpError(400, ErrorCode.PROTOCOL_ERROR, "bad Content-Length")
        digits = raw.lstrip("0") or "0"
        # int() refuses strings of over 4300 digits; any length of 16 digits is too big anyway
        length = int(digits) if len(digits) <= 15 else 10**15
        if length > self.max_body_bytes:
            raise HttpError(
                413,
                ErrorCode.INVALID_INPUT,
                f"body of {length} bytes is over the {self.max_body_bytes} limit",
            )
        return length

    async def _dispatch(self, request: HttpRequest) -> HttpResponse:
        methods = self._routes.get(request.path)
        if methods is None:
            raise HttpError(404, ErrorCode.PROTOCOL_ERROR, f"no such path {request.path!r}")
        method = "GET" if request.method == "HEAD" else request.method
        handler = methods.get(method)
        if handler is None:
            allowed = ", ".join(sorted(methods))
            raise HttpError(
                405, ErrorCode.PROTOCOL_ERROR, f"{request.method} not allowed (allowed: {allowed})"
            )
        try:
            async with asyncio.timeout(self.handler_timeout_s):
                response = await handler(request)
        except TimeoutError:
            raise HttpError(504, ErrorCode.TIMEOUT, "the server did not answer in time") from None
        if request.method == "HEAD":
            return HttpResponse(response.status, b"", response.content_type, response.headers)
        return response


def _parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    """Request line and headers.

    Raises:
        HttpError: (400 protocol_error) a malformed request line or header.
    """
    try:
        text = head.decode("latin-1")
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
        raise HttpError(400, ErrorCode.PROTOCOL_ERROR, "undecodable request") from None
    lines = text[:-4].split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not _TOKEN.match(parts[0]) or not parts[2].startswith("HTTP/1."):
        raise HttpError(400, ErrorCode.PROTOCOL_ERROR, "malformed request line")
    if not _TARGET.match(parts[1]):
        raise HttpError(400, ErrorCode.PROTOCOL_ERROR, "malformed request target")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep or not _TOKEN.match(name):
            raise HttpError(400, ErrorCode.PROTOCOL_ERROR, "malformed header line")
        key, value = name.lower(), value.strip()
        if key == "content-length" and key in headers and headers[key] != value:
            raise HttpError(400, ErrorCode.PROTOCOL_ERROR, "conflicting Content-Length headers")
        headers[key] = f"{headers[key]}, {value}" if key in headers and key != "content-length" else value
    return parts[0], parts[1], headers
