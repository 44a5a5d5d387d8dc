"""AgentTrack: the agent's published audio for one user's session, kept across reconnects."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from voicegraph.framework.formats import AudioFormat

log = logging.getLogger("voicegraph.transports.livekit")

_CAPTURE_DEADLINE_S = 0.5  # a capture that waits longer means the SDK stopped consuming


class AgentTrack:
    """An `rtc.AudioSource` and the local track published from it into the agent's room.

    The source outlives connections: after the SDK's own full reconnect it republishes
    the track; after the agent's reconnect into a new `rtc.Room`, `publish` publishes a
    new track from the same source. While the room is not connected (`live` False)
    audio is dropped and counted (nobody could hear it). `clear` empties the SDK's
    queue (barge-in). Data messages go through the same room.

    Args:
        name: track name (the user's identity is in it, so a client can pick its own).
        rate: sample rate of the audio handed to the SDK.
        queue_ms: size of the SDK's queue; playout is paced, so it holds about one chunk.
    """

    def __init__(self, name: str, *, rate: int, queue_ms: int) -> None:
        from livekit import rtc

        self.name = name
        self.rate = rate
        self._source = rtc.AudioSource(rate, 1, queue_size_ms=queue_ms)
        self._room: Any = None
        self._sid = ""
        self.live = False
        """Whether captured audio can reach the room now."""
        self.frames = 0
        """Chunks handed to the SDK."""
        self.dropped = 0
        """Chunks dropped while not live (or when the SDK stopped taking audio)."""
        self.last_capture_ns = 0
        """`time.monotonic_ns()` when the last chunk was handed to the SDK."""

    @property
    def sid(self) -> str:
        """The track's id in the room it is published in ("" when not published)."""
        return self._sid

    @property
    def room(self) -> Any:
        """The `rtc.Room` the track was last published in (None before)."""
        return self._room

    async def publish(self, room: Any) -> None:
        """Publish a track from the source in `room` (a connected `rtc.Room`)."""
        from livekit import rtc

        track = rtc.LocalAudioTrack.create_audio_track(self.name, self._source)
        opts = rtc.TrackPublishOptions()
        opts.source = rtc.TrackSource.SOURCE_MICROPHONE
        publication = await room.local_participant.publish_track(track, opts)
        self._room, self._sid, self.live = room, publication.sid, True

    async def capture(self, data: bytes, fmt: AudioFormat) -> None:
        """Queue one chunk of s16 PCM for the room (dropped when not live)."""
        if not self.live or not data:
            self.dropped += 1
            return
        from livekit import rtc

        n = len(data) // fmt.frame_bytes
        frame = rtc.AudioFrame(data, fmt.rate, fmt.channels, n)
        try:
            async with asyncio.timeout(_CAPTURE_DEADLINE_S):
                await self._source.capture_frame(frame)
        except TimeoutError:
            self.dropped += 1
            return
        self.frames += 1
        self.last_capture_ns = time.monotonic_ns()

    def clear(self) -> None:
        """Drop the audio queued in the SDK (barge-in)."""
        self._source.clear_queue()

    async def send_data(self, payload: bytes, *, topic: str, to: list[str], reliable: bool) -> bool:
        """Publish a data message to `to`; False when not connected."""
        if not self.live or self._room is None:
            return False
        await self._room.local_participant.publish_data(
            payload, reliable=reliable, destination_identities=to, topic=topic
        )
        return True

    async def aclose(self) -> None:
        """Unpublish (if still connected) and release the source."""
        self.live = False
        room, self._room = self._room, None
        if room is not None and self._sid and room.isconnected():
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2.0):
                    await room.local_participant.unpublish_track(self._sid)
        await self._source.aclose()
