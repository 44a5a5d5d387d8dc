"""WebSocketFaultProxy: a loopback WebSocket relay that drops, cuts, reorders or delays messages."""

from __future__ import annotations

import asyncio
import contextlib
from http import HTTPStatus
from typing import Any

from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency
from voicegraph.testing.fault_schedule import Fault, FaultSchedule
from voicegraph.testing.loopback import require_loopback
from voicegraph.testing.proxy_lifecycle import ProxyLifecycle

_HOP_HEADERS = {"host", "upgrade", "connection", "content-length"}


class WebSocketFaultProxy(ProxyLifecycle):
    """Relays WebSocket sessions to a loopback server, message by message, with faults.

    Each client handshake is a `connect` operation (`refuse`: answered 503; `delay`,
    `stall`: held first). Each message is a `message` operation (`message>` client to
    server, `message<` back): `drop` loses it, `truncate` sends its first half, `reorder`
    holds it until the next message that way, `delay` / `stall` hold it, `close` cuts
    both connections without a close frame (a mid-stream drop). The path, query and
    non-handshake headers (e.g. `Authorization`) are passed upstream; close codes are
    passed back. `cut_all()` drops every open session at once.

    Handles: text and binary messages both ways. Emits: the same, or the faulted ones.
    Latency: one asyncio hop per message when no fault fires. Stop: every session is
    ended (see `stop`). Subprotocol negotiation is not relayed.

    Args:
        upstream_url: `ws://127.0.0.1:PORT` of the server (loopback only); the client's
            path is appended.
        schedule: the faults to inject (none by default).
        host, port: where to listen (loopback only; 0: any free port).

    Raises:
        VoiceError: (invalid_config) a host that is not loopback; (missing_dependency)
            `websockets` is not installed.
    """

    def __init__(
        self,
        upstream_url: str,
        *,
        schedule: FaultSchedule | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__()
        if not upstream_url.startswith("ws://"):
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"upstream must be a ws:// URL: {upstream_url!r}")
        netloc = upstream_url[5:].split("/", 1)[0]
        require_loopback(netloc.rsplit(":", 1)[0].strip("[]"), "upstream")
        self.upstream = f"ws://{netloc}"
        self.host = require_loopback(host, "listen")
        self._port = port
        self.schedule = schedule or FaultSchedule()
        self.accepted = 0
        self._server: Any = None
        self._pairs: set[tuple[Any, Any]] = set()

    @property
    def port(self) -> int:
        """The port the proxy listens on (known after `start`)."""
        if self._server is None:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "fault proxy is not started")
        return int(next(iter(self._server.sockets)).getsockname()[1])

    @property
    def url(self) -> str:
        """`ws://host:port` of the proxy."""
        return f"ws://{self.host}:{self.port}"

    async def start(self) -> None:
        """Listen on `host:port`."""
        try:
            from websockets.asyncio.server import serve
        except ImportError as e:  # pragma: no cover - websockets is a core dependency
            raise missing_dependency("websocket", "websockets") from e
        self._server = await serve(
            self._serve, self.host, self._port, max_size=None, process_request=self._on_handshake
        )

    async def stop(self) -> None:
        """Stop listening and end every session: clients get a 1001 close, passed upstream;
        sessions still open after 2 s are cut. Held faults end early."""
        self._stopping.set()
        if self._server is None:
            return
        self._server.close()
        try:
            async with asyncio.timeout(2):
                await self._server.wait_closed()
        except TimeoutError:
            self.cut_all()
            await self._server.wait_closed()

    def cut_all(self) -> int:
        """Abort every open session, both legs, without close frames. Returns how many sessions."""
        pairs = list(self._pairs)
        for pair in pairs:
            _abort(*pair)
        return len(pairs)

    async def _on_handshake(self, connection: Any, request: Any) -> Any:
        fault = self.schedule.decide("connect")
        if fault is Fault.REFUSE:
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "refused by fault proxy\n")
        if fault in (Fault.DELAY, Fault.STALL):
            await self.hold(self.schedule.hold_s(fault))
        return None

    async def _serve(self, client: Any) -> None:
        from websockets.asyncio.client import connect

        self.accepted += 1
        headers = [(k, v) for k, v in client.request.headers.raw_items() if _forwarded(k)]
        try:
            upstream = await connect(
                self.upstream + client.request.path, additional_headers=headers, max_size=None, open_timeout=5
            )
        except (OSError, TimeoutError, Exception):
            await client.close(1011, "upstream unreachable")
            return
        pair = (client, upstream)
        self._pairs.add(pair)
        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(self._pump(client, upstream, ">", pair))
                tg.create_task(self._pump(upstream, client, "<", pair))
        finally:
            self._pairs.discard(pair)
            _abort(*pair)

    async def _pump(self, src: Any, dst: Any, direction: str, pair: tuple[Any, Any]) -> None:
        from websockets.exceptions import ConnectionClosed

        held: list[str | bytes] = []
        try:
            async for msg in src:
                fault = self.schedule.decide("message", direction)
                if fault is Fault.CLOSE:
                    _abort(*pair)
                    return
                if fault is Fault.DROP:
                    continue
                if fault is Fault.REORDER:
                    held.append(msg)
                    continue
                if fault in (Fault.DELAY, Fault.STALL):
                    await self.hold(self.schedule.hold_s(fault))
                await dst.send(msg[: len(msg) // 2] if fault is Fault.TRUNCATE else msg)
                while held:
                    await dst.send(held.pop(0))
        except ConnectionClosed:
            pass  # iteration raises on any close code but 1000/1001: still a clean close
        await _pass_close(src, dst, pair)


async def _pass_close(src: Any, dst: Any, pair: tuple[Any, Any]) -> None:
    """Pass a clean close (from either side) on with its code; pass anything else on as a cut."""
    for closed, other in ((src, dst), (dst, src)):
        code = closed.close_code
        if code is not None and code not in (1005, 1006, 1015):
            with contextlib.suppress(Exception):
                await other.close(code, closed.close_reason or "")
            return
    _abort(*pair)


def _abort(*conns: Any) -> None:
    for conn in conns:
        conn.transport.abort()


def _forwarded(name: str) -> bool:
    low = name.lower()
    return low not in _HOP_HEADERS and not low.startswith("sec-websocket-")
