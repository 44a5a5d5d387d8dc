"""Tiny loopback servers the proxy tests talk through: a TCP echo and a WebSocket echo."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


@contextlib.asynccontextmanager
async def tcp_echo() -> AsyncIterator[int]:
    """A TCP echo server on 127.0.0.1; yields its port."""
    server = await asyncio.start_server(_echo, "127.0.0.1", 0)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        server.close()


async def _ws_echo(ws: Any) -> None:
    from websockets.exceptions import ConnectionClosed

    with contextlib.suppress(ConnectionClosed):
        async for msg in ws:
            await ws.send(msg)


@contextlib.asynccontextmanager
async def ws_echo() -> AsyncIterator[str]:
    """A WebSocket echo server on 127.0.0.1; yields its ws:// URL."""
    from websockets.asyncio.server import serve

    async with serve(_ws_echo, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}"


async def _ws_refuse(ws: Any) -> None:
    await ws.recv()
    await ws.close(4400, "bad message")


@contextlib.asynccontextmanager
async def ws_refusing() -> AsyncIterator[str]:
    """A WebSocket server that closes with 4400 after the first message; yields its URL."""
    from websockets.asyncio.server import serve

    async with serve(_ws_refuse, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}"
