"""SimUser: a LiveKit user on the real rtc SDK, speaking PCM and recording the agent's audio."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import soxr
from livekit import rtc
from numpy.typing import NDArray

from tests.speech import speech_bounds

RATE = 48_000
FRAME = RATE // 100  # 10 ms
LOUD_RMS = 300.0  # int16 units: well above Opus/NetEq comfort noise, well below speech
QUEUE_MS = 100  # the microphone runs up to this far ahead, so a busy event loop leaves no gaps
DEPARTURE_S = 40.0
"""How long a departure may take to reach the agent. A leave message normally arrives at
once, but when the client closes its signal socket while the server is writing to it, the
server drops the connection unread and notices the user gone only when the peer connection
times out (21 s in a CI log: "error writing to websocket: broken pipe", then
PEER_CONNECTION_DISCONNECTED)."""


@dataclass
class Heard:
    """The agent's audio as the user received it: one entry per 10 ms frame."""

    times_ns: list[int] = field(default_factory=list)
    """`time.monotonic_ns()` when Python got the frame (late when the event loop lags)."""
    stream: list[int] = field(default_factory=list)
    """Which subscription the frame came from (a reconnect starts a new one)."""
    rms: list[float] = field(default_factory=list)
    pcm: list[NDArray[np.int16]] = field(default_factory=list)

    def paced_times(self) -> NDArray[np.int64]:
        """When each frame left the SDK's playout, free of event-loop lag.

        The SDK hands out one 10 ms frame per 10 ms; a stalled loop only delays when
        Python sees them. So frame k of a stream came out at anchor + k * 10 ms, the
        anchor being the smallest (least delayed) arrival - k * 10 ms.
        """
        times = np.asarray(self.times_ns, dtype=np.int64)
        streams = np.asarray(self.stream)
        out = np.empty_like(times)
        for sid in np.unique(streams):
            idx = np.flatnonzero(streams == sid)
            steps = np.arange(len(idx), dtype=np.int64) * 10_000_000
            out[idx] = (times[idx] - steps).min() + steps
        return out

    def loud_times(self, after_ns: int = 0) -> list[int]:
        """Paced times of the loud frames after `after_ns`."""
        paced = self.paced_times()
        loud = (np.asarray(self.rms) > LOUD_RMS) & (paced > after_ns) if len(paced) else np.zeros(0, bool)
        return [int(t) for t in paced[loud]]

    def audio(self, after_ns: int = 0) -> NDArray[np.int16]:
        """The received audio after `after_ns` (paced time), at 48 kHz."""
        parts = [p for t, p in zip(self.paced_times(), self.pcm, strict=True) if t > after_ns]
        return np.concatenate(parts) if parts else np.zeros(0, np.int16)


class SimUser:
    """One user: joins with a token, publishes a microphone track fed in real time.

    The microphone sends queued speech (`say`), else silence, in 10 ms frames paced by
    the SDK's 20 ms queue. The agent's track meant for this user (named
    `<agent>:<identity>`) is recorded in `heard`; data messages land in `data`.
    """

    def __init__(
        self, url: str, token: str, identity: str, *, agent_identity: str = "voicegraph-agent"
    ) -> None:
        self.url, self.token, self.identity = url, token, identity
        self.agent_track_name = f"{agent_identity}:{identity}"
        self.room = rtc.Room()
        self.heard = Heard()
        self.data: list[tuple[str, bytes]] = []
        self.subscribed = asyncio.Event()
        self._pending: deque[tuple[NDArray[np.int16], asyncio.Future[int] | None]] = deque()
        self._tasks: list[asyncio.Task[None]] = []
        self._source: rtc.AudioSource | None = None
        self._track: rtc.LocalAudioTrack | None = None
        self._streams = 0

    async def join(self, timeout: float = 15.0) -> SimUser:
        self.room.on("track_subscribed", self._on_track)
        self.room.on("data_received", self._on_data)
        async with asyncio.timeout(timeout):
            await self.room.connect(self.url, self.token, rtc.RoomOptions(auto_subscribe=True))
            self._source = rtc.AudioSource(RATE, 1, queue_size_ms=QUEUE_MS)
            self._track = rtc.LocalAudioTrack.create_audio_track("microphone", self._source)
            opts = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
            await self.room.local_participant.publish_track(self._track, opts)
        self._tasks.append(asyncio.get_running_loop().create_task(self._feed()))
        return self

    def say(self, pcm16k: NDArray[np.int16]) -> asyncio.Future[int]:
        """Queue speech (16 kHz); resolves with the monotonic ns its last voiced sample was sent."""
        _, end = speech_bounds(pcm16k, 16000)
        pcm = soxr.resample(pcm16k.astype(np.float32), 16000, RATE, quality="HQ")
        pcm = np.clip(np.round(pcm), -32768, 32767).astype(np.int16)
        voiced_end = end * 3
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        frames = [pcm[i : i + FRAME] for i in range(0, len(pcm), FRAME)]
        last = max(0, min(len(frames) - 1, (voiced_end - 1) // FRAME))
        for i, f in enumerate(frames):
            padded = f if len(f) == FRAME else np.pad(f, (0, FRAME - len(f)))
            self._pending.append((padded, done if i == last else None))
        return done

    @property
    def streams(self) -> int:
        """Subscriptions to the agent's track so far (a reconnect makes a new one)."""
        return self._streams

    @property
    def speaking(self) -> bool:
        """Whether queued speech remains."""
        return bool(self._pending)

    async def _feed(self) -> None:
        silence = np.zeros(FRAME, np.int16)
        assert self._source is not None
        while True:
            pcm, done = self._pending.popleft() if self._pending else (silence, None)
            await self._source.capture_frame(rtc.AudioFrame(pcm.tobytes(), RATE, 1, FRAME))
            if done is not None and not done.done():  # it leaves once the queue ahead of it has
                done.set_result(time.monotonic_ns() + int(self._source.queued_duration * 1e9))

    def _on_track(self, track: rtc.Track, publication: Any, participant: Any) -> None:
        if track.kind == rtc.TrackKind.KIND_AUDIO and track.name == self.agent_track_name:
            self._streams += 1
            self._tasks.append(asyncio.get_running_loop().create_task(self._listen(track, self._streams)))
            self.subscribed.set()

    async def _listen(self, track: rtc.Track, sid: int) -> None:
        stream = rtc.AudioStream(track, sample_rate=RATE, num_channels=1)
        try:
            async for event in stream:
                pcm = np.frombuffer(bytes(event.frame.data), dtype=np.int16).copy()
                self.heard.times_ns.append(time.monotonic_ns())
                self.heard.stream.append(sid)
                self.heard.rms.append(
                    float(np.sqrt(np.mean(pcm.astype(np.float64) ** 2))) if len(pcm) else 0.0
                )
                self.heard.pcm.append(pcm)
        finally:
            with contextlib.suppress(Exception):  # its end-of-stream may never come after a reconnect
                async with asyncio.timeout(2.0):
                    await asyncio.shield(stream.aclose())

    async def jitter_buffer_ms(self) -> float:
        """The mean delay the receiving jitter buffer has added to the agent's audio so far."""
        stats = await self.room.get_rtc_stats()
        delays = [
            s.inbound_rtp.inbound.jitter_buffer_delay / s.inbound_rtp.inbound.jitter_buffer_emitted_count
            for s in [*stats.publisher_stats, *stats.subscriber_stats]  # one peer connection by default
            if s.WhichOneof("stats") == "inbound_rtp" and s.inbound_rtp.inbound.jitter_buffer_emitted_count
        ]
        return 1000 * max(delays, default=0.0)

    def _on_data(self, packet: rtc.DataPacket) -> None:
        self.data.append((packet.topic or "", bytes(packet.data)))

    async def send_data(self, payload: bytes, *, topic: str = "") -> None:
        await self.room.local_participant.publish_data(payload, reliable=True, topic=topic)

    def mute(self, muted: bool = True) -> None:
        assert self._track is not None
        if muted:
            self._track.mute()
        else:
            self._track.unmute()

    async def leave(self) -> None:
        for task in self._tasks:
            task.cancel()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5.0):
                await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(5.0):
                await self.room.disconnect()
        if self._source is not None:
            await self._source.aclose()


async def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.02) -> None:
    """Poll `predicate` until true; TimeoutError after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110 - polls SDK and session state no event signals
            await asyncio.sleep(step)


async def converse(user: SimUser, pcm16k: NDArray[np.int16], *, timeout: float = 30.0) -> tuple[int, int]:
    """Say `pcm16k`, wait for the agent's reply to start and then to go quiet for 0.4 s.

    Returns (when the user's speech ended, when the first loud reply frame arrived), in
    `time.monotonic_ns()`.
    """
    spoken_end = await user.say(pcm16k)
    await wait_for(lambda: bool(user.heard.loud_times(spoken_end)), timeout)
    first = user.heard.loud_times(spoken_end)[0]
    await wait_for(lambda: not user.heard.loud_times(time.monotonic_ns() - 400_000_000), timeout)
    return spoken_end, first
