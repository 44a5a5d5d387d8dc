"""FrameInbox: what a WebRTC peer sent, waiting for its session to read it."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING

from voicegraph.framework.frames.audio import InputAudioFrame

if TYPE_CHECKING:
    from voicegraph.framework.frames.base import Frame


class FrameInbox:
    """A queue of frames from the peer (audio, typed text, interrupts) for `receive`.

    Holds at most `max_audio_frames` audio frames: past it the oldest audio frame is
    dropped and counted (`dropped_frames`), messages are always kept. `None` marks the
    end (the peer is gone for good): once read, every later `get` returns it too. No I/O;
    `get` waits for the next item, nothing else blocks.

    Args:
        max_audio_frames: audio frames held before the oldest is dropped.
    """

    def __init__(self, max_audio_frames: int) -> None:
        self.max_audio_frames = max(1, max_audio_frames)
        self.dropped_frames = 0
        """Audio frames dropped because the session fell behind."""
        self._items: deque[Frame | None] = deque()
        self._ready = asyncio.Event()

    def put(self, item: Frame | None) -> None:
        """Queue a frame (or the end)."""
        if isinstance(item, InputAudioFrame) and len(self._items) >= self.max_audio_frames:
            for i, old in enumerate(self._items):  # drop the oldest audio, keep messages
                if isinstance(old, InputAudioFrame):
                    del self._items[i]
                    self.dropped_frames += 1
                    break
        self._items.append(item)
        self._ready.set()

    async def get(self) -> Frame | None:
        """The next frame, waiting for one; None at the end."""
        while not self._items:
            self._ready.clear()
            await self._ready.wait()
        item = self._items.popleft()
        if item is None:
            self._items.appendleft(item)  # every later call sees the end too
        return item
