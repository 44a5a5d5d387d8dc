"""RTVIOutbox: one session's outgoing RTVI messages, in order, whoever produced them."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable


class RTVIOutbox:
    """Orders a session's RTVI messages from synchronous producers (graph observers,
    SDK callbacks) and the output's writes, for an async send.

    `put` queues (never blocks); `flush` sends everything queued, under a lock, so a
    message put before another is sent before it whichever task sends; `run` flushes
    whenever something is put (the session's sender task). Latency: one event-loop
    turn between a `put` and its send. Unbounded: RTVI events are a few per token.
    """

    def __init__(self) -> None:
        self._pending: deque[dict[str, Any]] = deque()
        self._lock = asyncio.Lock()
        self._ready = asyncio.Event()

    def put(self, messages: Iterable[dict[str, Any]]) -> None:
        """Queue messages to send after those already queued."""
        before = len(self._pending)
        self._pending.extend(messages)
        if len(self._pending) > before:
            self._ready.set()

    async def flush(self, send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        """Send every queued message, in order."""
        async with self._lock:
            while self._pending:
                await send(self._pending.popleft())

    async def run(self, send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        """Flush whenever messages are put, until cancelled."""
        while True:
            await self._ready.wait()
            self._ready.clear()
            await self.flush(send)
