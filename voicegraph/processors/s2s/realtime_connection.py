"""RealtimeConnection: one WebSocket to a realtime provider (JSON text events both ways)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.s2s.realtime_error_map import handshake_error
from voicegraph.processors.websocket_handshake import open_websocket

if TYPE_CHECKING:
    from collections.abc import Mapping

MAX_MESSAGE_BYTES = 16 * 1024 * 1024
"""Largest server message accepted (the protocol allows 15 MiB events)."""


class ConnectionLostError(VoiceError):
    """The provider's socket closed or failed while the session was running."""

    def __init__(self, message: str, *, node: str | None = None) -> None:
        super().__init__(ErrorCode.CONNECTION_FAILED, message, node=node, retriable=True)


class RealtimeConnection:
    """A WebSocket client (`websockets`, asyncio API) for one provider session.

    `open` performs the handshake and maps refusals to coded errors; `send` writes one
    JSON event; `recv` returns the next text message. Both raise `ConnectionLostError`
    once the socket is gone. Per-message compression is off: audio is base64, and the
    CPU and latency matter more than the bytes on a voice path.

    Args:
        url: `ws(s)://.../realtime?model=...`.
        headers: handshake headers (authorization, beta opt-in).
        open_timeout_s: handshake deadline.
        node: node name for errors.
    """

    def __init__(
        self, url: str, headers: Mapping[str, str], *, open_timeout_s: float = 10.0, node: str | None = None
    ) -> None:
        self.url = url
        self.headers = dict(headers)
        self.open_timeout_s = open_timeout_s
        self.node = node
        self._ws: Any = None  # websockets ClientConnection; Any keeps the package optional
        self.sent = 0
        """Events sent on this connection."""

    @property
    def is_open(self) -> bool:
        """Whether the socket is up."""
        return self._ws is not None

    async def open(self) -> None:
        """Connect.

        Raises:
            VoiceError: (missing_dependency) no `websockets`; (authentication_failed,
                authorization_failed, invalid_config, rate_limit_exceeded) the provider
                refused the upgrade; (connection_timeout) no answer in time;
                (connection_failed) the network failed.
        """
        self._ws = await open_websocket(
            self.url, self.headers, refused=lambda status: handshake_error(status, node=self.node),
            who="realtime", reach="the realtime provider", bad_url="bad realtime URL",
            open_timeout_s=self.open_timeout_s, max_size=MAX_MESSAGE_BYTES, node=self.node,
        )  # fmt: skip

    async def send(self, event: dict[str, Any]) -> None:
        """Write one client event.

        Raises:
            ConnectionLostError: the socket is closed.
        """
        ws = self._ws
        if ws is None:
            raise ConnectionLostError("realtime connection is not open", node=self.node)
        from websockets.exceptions import ConnectionClosed

        try:
            await ws.send(json.dumps(event, separators=(",", ":")))
        except ConnectionClosed as exc:
            self._ws = None
            raise ConnectionLostError(f"realtime connection closed: {exc}", node=self.node) from exc
        self.sent += 1

    async def recv(self) -> str | bytes:
        """The next server message.

        Raises:
            ConnectionLostError: the socket closed.
        """
        ws = self._ws
        if ws is None:
            raise ConnectionLostError("realtime connection is not open", node=self.node)
        from websockets.exceptions import ConnectionClosed

        try:
            message: str | bytes = await ws.recv()
        except ConnectionClosed as exc:
            self._ws = None
            raise ConnectionLostError(f"realtime connection closed: {exc}", node=self.node) from exc
        return message

    async def close(self) -> None:
        """Close the socket (idempotent)."""
        ws, self._ws = self._ws, None
        if ws is not None:
            await ws.close()
