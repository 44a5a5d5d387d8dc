"""PlayoutBuffer: the small bounded buffer between an output's handlers and its playout loop."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

from voicegraph.transports.playout_chunker import PlayoutChunk


@dataclass(slots=True)
class PlayoutMarker:
    """An in-order marker between chunks: a reply starts or ends, or the stream drains."""

    kind: str
    """"start", "end" or "drain"."""
    response_id: str = ""
    waiter: asyncio.Future[None] | None = None
    """Resolved when the loop reaches the marker (or it is dropped)."""

    def release(self) -> None:
        """Wake whoever waits for this marker."""
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)


PlayoutItem = PlayoutChunk | PlayoutMarker


@dataclass(frozen=True, slots=True)
class DroppedAudio:
    """What an interruption removed from the buffer."""

    current_ns: int
    """Queued audio of the reply playing now (before the first marker)."""
    later: tuple[tuple[str, int], ...]
    """(response id, queued ns) of replies that had not started."""
    chunks: int
    """Chunks dropped."""


class PlayoutBuffer:
    """Bounded FIFO of chunks and markers. A full buffer makes `put` wait (backpressure).

    The consumer waits with `wait` and takes with `get_nowait`, so nothing leaves the
    buffer until the consumer actually runs: an interruption in between finds it there.

    Args:
        capacity: most items held (>= 2).
    """

    def __init__(self, capacity: int) -> None:
        self._items: deque[PlayoutItem] = deque()
        self._capacity = max(2, capacity)
        self._readable = asyncio.Event()  # set iff items are held
        self._writable = asyncio.Event()  # set iff there is room
        self._writable.set()

    def __len__(self) -> int:
        return len(self._items)

    async def put(self, item: PlayoutItem) -> None:
        """Append `item`, waiting for room."""
        while len(self._items) >= self._capacity:
            self._writable.clear()
            await self._writable.wait()
        self._items.append(item)
        self._readable.set()

    async def wait(self) -> None:
        """Wait until the buffer holds an item (without taking it)."""
        await self._readable.wait()

    def get_nowait(self) -> PlayoutItem | None:
        """Take the next item, or None when the buffer is empty."""
        if not self._items:
            return None
        item = self._items.popleft()
        if not self._items:
            self._readable.clear()
        self._writable.set()
        return item

    async def settle(self, rounds: int) -> None:
        """Yield up to `rounds` event-loop rounds, until the buffer holds an item.

        A producer woken at the same instant as the playout loop (same deadline) may not
        have run yet; a few rounds let its audio reach the buffer before a chunk period
        is declared silent.
        """
        for _ in range(rounds):
            if self._items:
                break
            await asyncio.sleep(0)

    def drop(self) -> DroppedAudio:
        """Empty the buffer (interruption), releasing markers; account for the audio."""
        current, chunks = 0, 0
        later: list[tuple[str, int]] = []
        while (item := self.get_nowait()) is not None:
            if isinstance(item, PlayoutChunk):
                chunks += 1
                if later:
                    later[-1] = (later[-1][0], later[-1][1] + item.duration_ns)
                else:
                    current += item.duration_ns
            elif item.kind == "start":
                later.append((item.response_id, 0))
            else:
                item.release()
        return DroppedAudio(current, tuple(later), chunks)
