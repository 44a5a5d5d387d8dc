"""HealthServer: the backend's `HealthReport` over HTTP (`GET /health`), and the event-loop lag probe."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from voicegraph.transports.health_report import HealthReport

log = logging.getLogger("voicegraph.health")


async def loop_lag_ms(probe_s: float = 0.01) -> float:
    """How late the event loop wakes a short sleep, in ms (a busy loop degrades every session)."""
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    await asyncio.sleep(probe_s)
    return max(0.0, (loop.time() - t0 - probe_s) * 1000.0)


class HealthServer:
    """A tiny HTTP/1.1 server for `GET <path>`: the JSON health report.

    Status 200 when healthy or degraded (still serving, worse: see the components), 503
    when unhealthy or starting (load balancers stop or do not yet send traffic), 404 for
    other paths, 405 for other methods. With `token`, a request without it
    (`Authorization: Bearer <token>` or `?token=<token>`) gets 401 `authentication_failed`
    (compared in constant time). One request per connection, requests over 8 KiB or slower
    than 5 s are dropped. Runs on the backend's event loop.

    Args:
        check: returns the current report.
        host, port: where to listen (port 0: a free port, see `port`).
        path: the endpoint.
        reuse_port: share the port with other worker processes (SO_REUSEPORT).
        token: require this token ("" or None: open).
    """

    def __init__(
        self,
        check: Callable[[], Awaitable[HealthReport]],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        path: str = "/health",
        reuse_port: bool = False,
        token: str | None = None,
    ) -> None:
        self._check = check
        self._token = token or ""
        self.host, self.port, self.path = host, port, path
        self._reuse = reuse_port
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        """Start listening."""
        self._server = await asyncio.start_server(
            self._serve, self.host, self.port, reuse_port=self._reuse or None
        )
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    @property
    def url(self) -> str:
        """`http://host:port/path`."""
        return f"http://{self.host}:{self.port}{self.path}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(5.0):
                head = await reader.readuntil(b"\r\n\r\n")
            status, body = await self._answer(head)
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        reason = {
            200: "OK",
            401: "Unauthorized",
            404: "Not Found",
            405: "Method Not Allowed",
            503: "Service Unavailable",
        }[status]
        data = json.dumps(body).encode()
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode()
            + data
        )
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        writer.close()

    def _authorized(self, head: bytes, target: str) -> bool:
        """Whether the request carries the token (bearer header or `token` parameter)."""
        given = parse_qs(target.partition("?")[2]).get("token", [""])[0]
        for line in head.decode("latin-1").split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "authorization" and value.strip().lower().startswith("bearer "):
                given = value.strip()[7:].strip()
        return hmac.compare_digest(given.encode(), self._token.encode())

    async def _answer(self, head: bytes) -> tuple[int, dict[str, Any]]:
        if len(head) > 8192:
            return 404, {"error": "request too large"}
        parts = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
        if len(parts) < 2 or parts[0] != "GET":
            return 405, {"error": "only GET"}
        if parts[1].split("?", 1)[0] != self.path:
            return 404, {"error": "not found"}
        if self._token and not self._authorized(head, parts[1]):
            return 401, {"error": "authentication_failed", "message": "a health token is required"}
        try:
            report = await self._check()
        except Exception as exc:
            log.exception("health check failed")
            return 503, {"status": "unhealthy", "error": type(exc).__name__}
        return (200 if report.status.available else 503), report.as_dict()
