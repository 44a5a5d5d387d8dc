"""ReplyEmitter: sends a node's reply frames downstream from one task, in order, droppable."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from voicegraph.framework.frames.base import Frame


class ReplyEmitter:
    """A queue between a socket reader and the graph, so the reader never waits on playout.

    A realtime provider sends a reply faster than it plays; downstream backpressure
    would stall a reader that sent frames itself, and with it the events it must see at
    once (the user's speech starting). The reader `put`s frames tagged with their
    response id; `run` (one task) sends them in order and calls `on_sent` after each.
    `drop` removes the queued frames of cut responses. The queue holds at most `limit`
    frames; beyond that the oldest is dropped and counted (a reply far longer than any
    playout buffer).

    Args:
        send: sends one frame downstream (the node's outbox).
        on_sent: called with (response id, frame) once a frame went out.
        limit: most frames held.
        on_error: told when sending one frame failed (the emitter goes on with the next).
    """

    def __init__(
        self,
        send: Callable[[Frame], Awaitable[None]],
        on_sent: Callable[[str, Frame], None],
        *,
        limit: int = 10_000,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self._send = send
        self._on_sent = on_sent
        self._on_error = on_error
        self._limit = limit
        self._queue: deque[tuple[str, Frame]] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self.closed = False
        self.overflow = 0
        """Frames dropped because the queue was full."""

    def __len__(self) -> int:
        return len(self._queue)

    def put(self, response_id: str, frame: Frame) -> None:
        """Queue a frame (never waits)."""
        if self.closed:
            return
        self._queue.append((response_id, frame))
        if len(self._queue) > self._limit:
            self._queue.popleft()
            self.overflow += 1
        self._idle.clear()
        self._wake.set()

    def drop(self, response_ids: set[str]) -> int:
        """Forget queued frames of these responses; returns how many."""
        if not response_ids:
            return 0
        before = len(self._queue)
        self._queue = deque(item for item in self._queue if item[0] not in response_ids)
        return before - len(self._queue)

    async def run(self) -> None:
        """Send queued frames forever (the node's task group cancels it)."""
        while True:
            if not self._queue:
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            response_id, frame = self._queue.popleft()
            try:
                await self._send(frame)
            except Exception as exc:  # a downstream failure must not stop the reply stream
                if self._on_error is not None:
                    self._on_error(exc)
                continue
            self._on_sent(response_id, frame)

    async def idle(self) -> None:
        """Wait until everything queued has been sent."""
        await self._idle.wait()

    def close(self) -> None:
        """Accept nothing more and forget what is queued (after the end of stream)."""
        self.closed = True
        self._queue.clear()
        self._idle.set()
