"""Helpers for WebSocket transport tests: a server on 127.0.0.1 and a few test nodes."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from voicegraph.framework import Graph, Outbox, Processor, handles
from voicegraph.framework.frames import ErrorFrame, ReplyPlayedFrame
from voicegraph.transports.connection import Connection
from voicegraph.transports.dtmf_frame import DTMFFrame
from voicegraph.transports.websocket_transport import WebSocketTransport

from .nodes import Echo


class Reports(Processor):
    """Sits after the input: records reply reports and errors (upstream), key presses (downstream)."""

    def __init__(self) -> None:
        super().__init__()
        self.reports: list[ReplyPlayedFrame] = []
        self.digits: list[str] = []
        self.errors: list[ErrorFrame] = []

    @handles
    async def on_error(self, frame: ErrorFrame, out: Outbox) -> None:
        self.errors.append(frame)
        await out.forward(frame)

    @handles
    async def on_report(self, frame: ReplyPlayedFrame, out: Outbox) -> None:
        self.reports.append(frame)
        await out.send(frame)

    @handles
    async def on_dtmf(self, frame: DTMFFrame, out: Outbox) -> None:
        self.digits.append(frame.digit)
        await out.send(frame)


def echo_graph(conn: Connection) -> Graph:
    return Graph.chain(conn.input(), Echo(), conn.output())


@contextlib.asynccontextmanager
async def serving(
    factory: Callable[[Connection], Graph] = echo_graph, **options: Any
) -> AsyncIterator[WebSocketTransport]:
    """A WebSocketTransport on 127.0.0.1, any free port."""
    async with WebSocketTransport(factory, host="127.0.0.1", port=0, **options) as transport:
        yield transport
