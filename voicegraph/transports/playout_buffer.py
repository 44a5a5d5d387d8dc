"""PlayoutBuffer: the small bounded buffer between an output's handlers and its playout loop."""

from __future__ import annotations

import asyncio
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

    Args:
        capacity: most items held (>= 2).
    """

    def __init__(self, capacity: int) -> None:
        self._q: asyncio.Queue[PlayoutItem] = asyncio.Queue(maxsize=max(2, capacity))

    def __len__(self) -> int:
        return self._q.qsize()

    async def put(self, item: PlayoutItem) -> None:
        """Append `item`, waiting for room."""
        await self._q.put(item)

    async def get(self) -> PlayoutItem:
        """Wait for and take the next item."""
        return await self._q.get()

    def get_nowait(self) -> PlayoutItem | None:
        """Take the next item, or None when the buffer is empty."""
        try:
            return self._q.get_nowait()
        except asyncio.QueueEmpty:
            return None

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
