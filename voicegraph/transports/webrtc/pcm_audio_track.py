"""PcmAudioTrack: an aiortc audio track fed with PCM chunks, silent when it has none."""

from __future__ import annotations

import asyncio
import fractions
from collections import deque

import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame

from voicegraph.framework.clock import MonotonicClock
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat

_CLOCK = MonotonicClock()
_MAX_LAG_CHUNKS = 3  # behind by more than this (a stall): re-anchor instead of catching up


class PcmAudioTrack(MediaStreamTrack):
    """A sending audio track: PCM pushed in, one `av.AudioFrame` per chunk out to aiortc.

    Handles: `push` (s16 mono or stereo PCM in `fmt`), `clear` (drop what is queued).
    Emits: stereo frames to aiortc's sender (which encodes Opus; mono is sent as two
    equal channels, unattenuated), with continuous timestamps;
    when nothing is queued, a chunk of silence per chunk period, so the far end's
    playout clock keeps running (as a microphone track would).

    Two pacings. Write-driven (`paced=False`, the server's bot track): a queued chunk
    leaves as soon as it is pushed, since `PlayoutOutput` already pushes in real time;
    silence fills in only when no chunk came `slack_ms` after its slot, so this adds
    no latency. A silence filled in while audio is merely late delays the rest of that
    audio by one chunk, so the slack is two chunks (event-loop hiccups are shorter),
    and the queue keeps at most `max_queued_ms`: the delay stays bounded (and resets
    whenever the bot pauses). Self-paced (`paced=True`, a client that pushes whole utterances): one
    chunk per chunk period at absolute deadlines. A stall of more than three chunks
    re-anchors the clock instead of bursting to catch up.

    Latency: none (write-driven) or up to one chunk (self-paced). Flush: `clear` drops
    the queue at once. Drain: queued audio keeps going out until `stop`.

    Args:
        fmt: format of the pushed PCM (s16, 1 or 2 channels, any rate Opus resamples).
        chunk_ms: duration of the silence chunks and of the pacing grid.
        max_queued_ms: most audio queued; pushing more drops the oldest (counted).
        slack_ms: write-driven only: how late a chunk may be before silence fills in.
        paced: self-paced (True) or write-driven (False).

    Raises:
        VoiceError: (invalid_config) a format that is not s16 mono or stereo.
    """

    kind = "audio"

    def __init__(
        self,
        fmt: AudioFormat,
        *,
        chunk_ms: float = 20.0,
        max_queued_ms: float = 100.0,
        slack_ms: float = 40.0,
        paced: bool = False,
    ) -> None:
        super().__init__()
        if fmt.sample_format is not SampleFormat.S16 or fmt.channels not in (1, 2):
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"a WebRTC track sends s16 mono or stereo, not {fmt}")
        self.format = fmt
        self.chunk_samples = max(1, round(fmt.rate * chunk_ms / 1000))
        self._chunk_s = self.chunk_samples / fmt.rate
        self._silence = bytes(self.chunk_samples * fmt.frame_bytes)
        self._max_bytes = max(len(self._silence), fmt.bytes_for(int(max_queued_ms * 1e6)))
        self._slack_s = slack_ms / 1000
        self._paced = paced
        self._queue: deque[bytes] = deque()
        self._queued_bytes = 0
        self._ready = asyncio.Event()
        self._next: float | None = None  # loop time of the next chunk slot
        self._pts = 0
        self._time_base = fractions.Fraction(1, fmt.rate)
        self.sent_chunks = 0
        """Chunks of pushed audio handed to the sender."""
        self.silent_chunks = 0
        """Chunks of filler silence handed to the sender."""
        self.dropped_bytes = 0
        """Pushed audio dropped: queue overflow or `clear`."""

    @property
    def next_pts(self) -> int:
        """Timestamp, in samples, of the next frame handed to the sender."""
        return self._pts

    @property
    def queued_ms(self) -> float:
        """Audio waiting to be sent, in ms."""
        return self.format.duration_ns(self._queued_bytes) / 1e6

    def push(self, data: bytes) -> None:
        """Queue PCM in `format`; whole chunks of `chunk_ms` are cut from it."""
        data = data[: len(data) - len(data) % self.format.frame_bytes]
        step = len(self._silence)
        for i in range(0, len(data), step):
            chunk = data[i : i + step]
            self._queue.append(chunk)
            self._queued_bytes += len(chunk)
        while self._queued_bytes > self._max_bytes and len(self._queue) > 1:
            old = self._queue.popleft()
            self._queued_bytes -= len(old)
            self.dropped_bytes += len(old)
        if self._queue:
            self._ready.set()

    def clear(self) -> None:
        """Drop everything queued (barge-in)."""
        self.dropped_bytes += self._queued_bytes
        self._queue.clear()
        self._queued_bytes = 0
        self._ready.clear()

    async def recv(self) -> AudioFrame:
        """The next frame for the sender: queued audio, or silence when its slot has passed.

        Raises:
            MediaStreamError: the track was stopped.
        """
        if self.readyState != "live":
            raise MediaStreamError
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self._next is None or now - self._next > _MAX_LAG_CHUNKS * self._chunk_s:
            self._next = now
        if self._paced:  # on the process's one pacing timer (loop time is monotonic)
            await _CLOCK.sleep_until(int(self._next * 1e9))
        else:
            await self._wait_chunk(self._next + self._slack_s)
        if self.readyState != "live":
            raise MediaStreamError
        data = self._take()
        if data is None:
            self.silent_chunks += 1
            data = self._silence
            self._next += self._chunk_s
        else:
            self.sent_chunks += 1
            slot = self._next if self._paced else max(loop.time(), self._next)
            self._next = slot + len(data) / self.format.frame_bytes / self.format.rate
        return self._frame(data)

    async def _wait_chunk(self, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        while not self._queue and self.readyState == "live":
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            self._ready.clear()
            try:
                async with asyncio.timeout(remaining):
                    await self._ready.wait()
            except TimeoutError:
                return

    def _take(self) -> bytes | None:
        if not self._queue:
            return None
        data = self._queue.popleft()
        self._queued_bytes -= len(data)
        if not self._queue:
            self._ready.clear()
        return data

    def _frame(self, data: bytes) -> AudioFrame:
        samples = np.frombuffer(data, dtype="<i2")
        if self.format.channels == 1:
            # Stereo with L = R: left to aiortc's encoder, a mono frame would be upmixed at -3 dB.
            samples = np.repeat(samples, 2)
        frame = AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="stereo")
        frame.sample_rate = self.format.rate
        frame.pts = self._pts
        frame.time_base = self._time_base
        self._pts += len(data) // self.format.frame_bytes
        return frame

    def stop(self) -> None:
        """End the track: the sender stops pulling; waiting `recv` calls wake up."""
        super().stop()
        self._ready.set()
