"""AudioPump: hands the agent's audio to a Daily sink in real time, so a barge-in can drop it."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from voicegraph.framework.clock import MonotonicClock

if TYPE_CHECKING:
    from collections.abc import Callable

_CLOCK = MonotonicClock()


class AudioPump:
    """Writes queued PCM to a Daily sink (virtual microphone or custom audio source).

    Handles the session's bot audio (`push`, mono s16 at the call's rate). Emits one
    chunk of `chunk_bytes` to `sink` every `chunk_s`, paced on the monotonic clock, so
    the SDK holds at most a chunk and everything not yet handed over stays here, where
    `clear` (barge-in) drops it at once. Adds at most one chunk of latency. While there
    is no sink (the call is reconnecting) the audio due is dropped, keeping the pace.
    `run` pumps until cancelled.

    Args:
        chunk_bytes: bytes per write (20 ms at 16 kHz mono: 640).
        chunk_s: duration of a chunk.
    """

    def __init__(self, *, chunk_bytes: int, chunk_s: float) -> None:
        self.sink: Callable[[bytes], Any] | None = None
        """Where chunks go (`write_frames` of the device or source); None drops them."""
        self.chunk_bytes = chunk_bytes
        self.chunk_s = chunk_s
        self.clears = 0
        self.last_clear_ns = 0
        """`time.monotonic_ns()` of the last clear."""
        self.last_write_ns = 0
        """`time.monotonic_ns()` of the last chunk handed to the sink."""
        self.bytes_written = 0
        self._queue = bytearray()
        self._wake = asyncio.Event()

    @property
    def queued_s(self) -> float:
        """Audio waiting here, in seconds."""
        return len(self._queue) / self.chunk_bytes * self.chunk_s

    def push(self, data: bytes) -> None:
        """Queue audio to send."""
        self._queue += data
        self._wake.set()

    def clear(self) -> None:
        """Drop every queued byte (barge-in)."""
        self._queue.clear()
        self.clears += 1
        self.last_clear_ns = time.monotonic_ns()

    async def run(self) -> None:
        """Pump until cancelled."""
        due = 0.0
        while True:
            if not self._queue:
                self._wake.clear()
                await self._wake.wait()
                due = max(due, time.monotonic())
            if due > time.monotonic():  # on the process's one pacing timer
                await _CLOCK.sleep_until(int(due * 1e9))
            if not self._queue:
                continue  # cleared while waiting
            chunk = bytes(self._queue[: self.chunk_bytes])
            del self._queue[: self.chunk_bytes]
            sink = self.sink
            if sink is not None:
                sink(chunk)
                self.last_write_ns = time.monotonic_ns()
                self.bytes_written += len(chunk)
            due += self.chunk_s
