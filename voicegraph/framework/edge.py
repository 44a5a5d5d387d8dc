"""Edge: the bounded queue in front of a node that runs in a task of its own.

Two lanes. The data lane is this bounded deque: data frames and in-order control frames.
The control lane carries system frames, which cross by direct call in the sender's task
(see `Node.deliver_system`), so they never wait behind queued data.
"""

from __future__ import annotations

import asyncio
import enum
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from voicegraph.framework.errors import EndOfStream

if TYPE_CHECKING:
    from voicegraph.framework.frames.base import Frame


class Overflow(enum.StrEnum):
    """What a full data lane does with the next frame."""

    BLOCK = "block"  # backpressure: the sender waits for room
    DROP_OLDEST = "drop_oldest"  # live audio: drop the oldest data frame, count it


@dataclass(slots=True)
class EdgeStats:
    """Counters of one link (fused or queued)."""

    frames: int = 0
    """Frames sent over the link (all lanes)."""
    system_frames: int = 0
    """System frames, which crossed out of band."""
    dropped_overflow: int = 0
    """Data frames dropped by the drop-oldest policy."""
    dropped_stale: int = 0
    """Data frames dropped for belonging to an interrupted epoch."""
    flushed: int = 0
    """Data frames emptied from the lane by interruptions."""
    high_water: int = 0
    """Most frames the lane ever held at once."""
    blocked: int = 0
    """Times a sender had to wait for room."""


class Edge:
    """Bounded data lane with per-edge capacity and overflow policy.

    Args:
        capacity: most frames held at once (>= 1).
        overflow: `Overflow.BLOCK` or `Overflow.DROP_OLDEST`.
    """

    __slots__ = ("_getter", "_putters", "_q", "capacity", "ended", "overflow", "stats")

    def __init__(self, capacity: int = 8, overflow: Overflow = Overflow.BLOCK) -> None:
        if capacity < 1:
            raise ValueError("edge capacity must be >= 1")
        self.capacity = capacity
        self.overflow = Overflow(overflow)
        self.stats = EdgeStats()
        self.ended = False
        self._q: deque[Frame] = deque()
        self._getter: asyncio.Future[None] | None = None
        self._putters: deque[asyncio.Future[None]] = deque()

    def __len__(self) -> int:
        return len(self._q)

    async def put(self, frame: Frame) -> None:
        """Append `frame`, waiting for room (block) or dropping the oldest data frame (a data
        frame under `DROP_OLDEST`; a control frame always waits for room).

        Raises:
            EndOfStream: (end_of_stream) the edge already carried its end frame.
        """
        if self.ended:
            raise EndOfStream()
        q = self._q
        while len(q) >= self.capacity:
            # Only data makes room for data: a control frame (the end of the stream) waits
            # instead of pushing out the last queued data, like under `BLOCK`.
            if self.overflow is Overflow.DROP_OLDEST and frame.droppable and self._drop_oldest():
                break
            self.stats.blocked += 1
            fut = asyncio.get_running_loop().create_future()
            self._putters.append(fut)
            try:
                await fut
            finally:
                if not fut.done():
                    fut.cancel()
        q.append(frame)
        if len(q) > self.stats.high_water:
            self.stats.high_water = len(q)
        getter = self._getter
        if getter is not None:
            self._getter = None
            if not getter.done():
                getter.set_result(None)

    def _drop_oldest(self) -> bool:
        for i, old in enumerate(self._q):
            if old.droppable:
                del self._q[i]
                self.stats.dropped_overflow += 1
                return True
        return False  # only control frames queued: fall back to waiting

    def get_nowait(self) -> Frame | None:
        """The next frame, or None when the lane is empty."""
        if not self._q:
            return None
        frame = self._q.popleft()
        self._wake_putter()
        return frame

    async def get(self) -> Frame:
        """Wait for and return the next frame."""
        while not self._q:
            fut = asyncio.get_running_loop().create_future()
            self._getter = fut
            try:
                await fut
            finally:
                self._getter = None
        frame = self._q.popleft()
        self._wake_putter()
        return frame

    def _wake_putter(self) -> None:
        while self._putters:
            fut = self._putters.popleft()
            if not fut.done():
                fut.set_result(None)
                return

    def flush(self) -> int:
        """Empty the data frames (control frames stay, in order); return how many went."""
        q = self._q
        before = len(q)
        if before:
            kept = [f for f in q if not f.droppable]
            q.clear()
            q.extend(kept)
        gone = before - len(q)
        self.stats.flushed += gone
        for _ in range(min(gone, len(self._putters))):
            self._wake_putter()
        return gone
