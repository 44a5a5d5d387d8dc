"""CartesiaNode: what Cartesia's STT and TTS nodes share, one socket kept for the session.

The socket is opened at start (warm: the first turn or reply does not pay the
handshake; a retriable refusal is reported and the next use tries again), reopened on
demand after a drop, and each socket gets its own reader task. Errors and metrics go
on the graph bus.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from voicegraph.framework.errors import VoiceError
from voicegraph.framework.processor import Processor
from voicegraph.processors.bus_reports import publish_error, publish_metrics
from voicegraph.processors.tts.cartesia_socket import CartesiaAccess, CartesiaSocket

if TYPE_CHECKING:
    from voicegraph.framework.context import StartContext


class CartesiaNode(Processor):
    """Base of `CartesiaSTT` and `CartesiaTTS`: the socket's life and the bus reports.

    A subclass sets `_access` in its `__init__`, says where its socket goes
    (`_socket_url`) and reads each socket's events (`_read`, spawned per socket).

    Args:
        open_timeout_s: WebSocket handshake deadline.
        name: node name.
    """

    _access: CartesiaAccess

    def __init__(self, *, open_timeout_s: float, name: str | None = None) -> None:
        super().__init__(name=name)
        self._open_timeout = open_timeout_s
        self._socket: CartesiaSocket | None = None
        self._ctx: StartContext | None = None
        self.connects = 0
        """Sockets opened so far (1 + reconnects)."""

    def _socket_url(self) -> str:
        """The `ws(s)://...` URL of this node's stream."""
        raise NotImplementedError

    async def _read(self, sock: CartesiaSocket) -> None:
        """Handle `sock`'s events until it closes (runs as a task per socket)."""
        raise NotImplementedError

    def _on_connect(self) -> None:
        """Called when a new socket is up, before its reader starts."""

    async def on_start(self, ctx: StartContext) -> None:
        self._ctx = ctx
        try:
            await self._connected()
        except VoiceError as exc:
            if not exc.retriable:
                raise
            self._report(exc)  # the next use tries again

    async def on_stop(self) -> None:
        sock, self._socket = self._socket, None
        if sock is not None:
            await sock.close()

    async def _connected(self) -> CartesiaSocket:
        """The open socket, opened now when there is none.

        Raises:
            VoiceError: the handshake failed (see `CartesiaSocket.open`).
        """
        if self._socket is not None and self._socket.is_open:
            return self._socket
        sock = CartesiaSocket(self._socket_url(), self._access.headers(), open_timeout_s=self._open_timeout,
                              node=self.name, on_malformed=self._report)  # fmt: skip
        await sock.open()
        self._socket = sock
        self._on_connect()
        self.connects += 1
        if self._ctx is not None:
            self._ctx.spawn(self._read(sock), name=f"{self.name}:socket")
        return sock

    def _report(self, err: VoiceError) -> None:
        logging.getLogger(type(self).__module__).warning("%s: %s", self.name, err)
        publish_error(self._ctx, self.name, err)

    def _metric(self, key: str, value: float) -> None:
        publish_metrics(self._ctx, self.name, {key: value})
