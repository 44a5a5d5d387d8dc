"""RoomAudio: the virtual speaker and microphone of a per-room Daily call."""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from voicegraph.transports.daily.daily_connection import DailyConnection


class RoomAudio:
    """A virtual speaker (every participant, mixed by the SDK) and a virtual microphone.

    Both are process-wide SDK devices at `rate`, mono, created once and kept across
    reconnects; the speaker is selected for the process. `read_into` reads the speaker
    `chunk_frames` at a time on a worker thread (the SDK blocks for the audio's
    duration) and feeds the session while `live()`; the microphone takes the session's
    pump output without blocking (`non_blocking=True`: the pump paces it).

    Args:
        sdk: the daily module or a stand-in.
        rate: sample rate of both devices.
        chunk_frames: samples per speaker read.
    """

    def __init__(self, sdk: Any, rate: int, chunk_frames: int) -> None:
        tag = uuid.uuid4().hex[:8]
        daily = sdk.Daily
        self.microphone = daily.create_microphone_device(
            f"vg-mic-{tag}", sample_rate=rate, channels=1, non_blocking=True
        )
        self.speaker = daily.create_speaker_device(f"vg-speaker-{tag}", sample_rate=rate, channels=1)
        daily.select_speaker_device(self.speaker.name)
        self._chunk_frames = chunk_frames

    @property
    def microphone_name(self) -> str:
        """The device id the join settings select."""
        return str(self.microphone.name)

    def write(self, pcm: bytes) -> None:
        """Hand a chunk to the microphone."""
        self.microphone.write_frames(pcm)

    async def read_into(self, conn: DailyConnection, live: Callable[[], bool]) -> None:
        """Feed the speaker's audio to `conn` until it finishes (dropped while not `live()`)."""
        while not conn.finished:
            pcm = await asyncio.to_thread(self.speaker.read_frames, self._chunk_frames)
            if live():
                conn.feed_audio(bytes(pcm))
