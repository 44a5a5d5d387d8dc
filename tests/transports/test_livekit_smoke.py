"""Smoke test against a real livekit-server on loopback with the real SDKs.

* two ``livekit.rtc`` participants: one publishes a 440 Hz tone (48 kHz mono,
  10 ms frames), the other subscribes and reads AudioFrames via rtc.AudioStream;
* ICE candidates: only addresses of our own test hosts (loopback, the namespace's veth);
* RoomService over Twirp via ``livekit-api``: create/list rooms, list
  participants, delete room.

Needs the ``livekit`` fixture (tests/conftest_livekit.py): the server runs in a network
namespace of our own and the test's thread joins it, so media never leaves it.
Every wait is bounded.
"""

from __future__ import annotations

import array
import asyncio
import math
import uuid

import anyio
import pytest
from livekit import api, rtc

from tests.livekit_server import LiveKitServer

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.slow,  # real livekit-server + WebRTC (warning filters: tests/conftest_livekit.py)
]

SAMPLE_RATE = 48_000
FRAME_MS = 10
SAMPLES_PER_FRAME = SAMPLE_RATE * FRAME_MS // 1000
TONE_HZ = 440.0
TONE_AMPLITUDE = 0.3  # of int16 full scale

CONNECT_TIMEOUT = 15.0
SUBSCRIBE_TIMEOUT = 15.0
RECEIVE_TIMEOUT = 15.0
MAX_FEED_SECONDS = 10.0
WANT_LOUD_MS = 300  # received audio with real energy needed to pass


def _token(server: LiveKitServer, identity: str, room: str) -> str:
    return (
        api.AccessToken(server.api_key, server.api_secret)
        .with_identity(identity)
        .with_name(identity)
        .with_grants(api.VideoGrants(room_join=True, room=room))
        .to_jwt()
    )


def _tone_frame(index: int) -> rtc.AudioFrame:
    start = index * SAMPLES_PER_FRAME
    amp = TONE_AMPLITUDE * 32767
    pcm = array.array(
        "h",
        (
            int(amp * math.sin(2 * math.pi * TONE_HZ * (start + k) / SAMPLE_RATE))
            for k in range(SAMPLES_PER_FRAME)
        ),
    )
    return rtc.AudioFrame(pcm.tobytes(), SAMPLE_RATE, 1, SAMPLES_PER_FRAME)


def _rms(samples: array.array[int]) -> float:
    if not samples:
        return 0.0
    return math.sqrt(sum(s * s for s in samples) / len(samples))


def _peak_hz(samples: array.array[int]) -> float:
    """Frequency of the strongest spectral peak (robust to the odd concealed packet)."""
    import numpy as np

    x = np.asarray(samples, dtype=np.float64)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spectrum[1:]) + 1) * SAMPLE_RATE / len(x)


async def _connect(server: LiveKitServer, identity: str, room_name: str) -> rtc.Room:
    room = rtc.Room()
    with anyio.fail_after(CONNECT_TIMEOUT):
        await room.connect(
            server.url,
            _token(server, identity, room_name),
            rtc.RoomOptions(auto_subscribe=True),
        )
    return room


async def _disconnect(*rooms: rtc.Room) -> None:
    for room in rooms:
        with anyio.move_on_after(5.0):
            await room.disconnect()


async def test_audio_roundtrip_between_two_participants(livekit: LiveKitServer) -> None:
    room_name = f"smoke-{uuid.uuid4().hex[:8]}"
    loop = asyncio.get_running_loop()
    subscribed: asyncio.Future[tuple[rtc.Track, str]] = loop.create_future()

    listener = await _connect(livekit, "listener", room_name)
    speaker = None
    stream = None
    feeder = None
    try:

        @listener.on("track_subscribed")
        def _on_track_subscribed(
            track: rtc.Track, publication: object, participant: rtc.RemoteParticipant
        ) -> None:
            if track.kind == rtc.TrackKind.KIND_AUDIO and not subscribed.done():
                subscribed.set_result((track, participant.identity))

        speaker = await _connect(livekit, "speaker", room_name)
        source = rtc.AudioSource(SAMPLE_RATE, 1, queue_size_ms=200)
        track = rtc.LocalAudioTrack.create_audio_track("tone", source)
        opts = rtc.TrackPublishOptions()
        opts.source = rtc.TrackSource.SOURCE_MICROPHONE
        with anyio.fail_after(CONNECT_TIMEOUT):
            await speaker.local_participant.publish_track(track, opts)

        stop_feeding = asyncio.Event()

        async def feed() -> int:
            # capture_frame blocks while the source queue is full, so this runs
            # at roughly real time; bounded by MAX_FEED_SECONDS of audio.
            n = 0
            while not stop_feeding.is_set() and n * FRAME_MS < MAX_FEED_SECONDS * 1000:
                await source.capture_frame(_tone_frame(n))
                n += 1
            return n

        feeder = asyncio.create_task(feed())

        with anyio.fail_after(SUBSCRIBE_TIMEOUT):
            remote_track, identity = await subscribed
        assert identity == "speaker"

        stream = rtc.AudioStream(remote_track, sample_rate=SAMPLE_RATE, num_channels=1)
        loud = array.array("h")
        frames = 0
        with anyio.fail_after(RECEIVE_TIMEOUT):
            async for event in stream:
                frame = event.frame
                frames += 1
                assert frame.sample_rate == SAMPLE_RATE
                assert frame.num_channels == 1
                samples = array.array("h", bytes(frame.data.cast("B")))
                assert len(samples) == frame.samples_per_channel
                if _rms(samples) > 0.05 * 32767:
                    loud.extend(samples)
                if len(loud) >= SAMPLE_RATE * WANT_LOUD_MS // 1000:
                    break
        stop_feeding.set()

        loud_ms = 1000 * len(loud) / SAMPLE_RATE
        assert loud_ms >= WANT_LOUD_MS, f"only {loud_ms:.0f} ms of loud audio in {frames} frames"
        rms = _rms(loud)
        # Opus keeps a pure tone's level within a few dB: sent RMS = 0.3/sqrt(2) FS.
        sent_rms = TONE_AMPLITUDE * 32767 / math.sqrt(2)
        assert 0.5 * sent_rms < rms < 1.5 * sent_rms, (rms, sent_rms)
        # and its pitch: 2 zero crossings per period.
        est_hz = _peak_hz(loud)
        assert abs(est_hz - TONE_HZ) < 0.1 * TONE_HZ, est_hz
    finally:
        if feeder is not None:
            feeder.cancel()
            with anyio.move_on_after(5.0):
                try:
                    await feeder
                except (asyncio.CancelledError, Exception):
                    pass
        if stream is not None:
            with anyio.move_on_after(5.0):
                await stream.aclose()
        await _disconnect(*(r for r in (speaker, listener) if r is not None))


async def test_media_candidates_use_only_our_own_test_host_addresses(livekit: LiveKitServer) -> None:
    """ICE offers and pairs stay on loopback or the namespace's test host (never eth0)."""
    room_name = f"ice-{uuid.uuid4().hex[:8]}"
    listener = await _connect(livekit, "ice-listener", room_name)
    speaker = await _connect(livekit, "ice-speaker", room_name)
    try:
        source = rtc.AudioSource(SAMPLE_RATE, 1, queue_size_ms=200)
        track = rtc.LocalAudioTrack.create_audio_track("tone", source)
        with anyio.fail_after(CONNECT_TIMEOUT):
            await speaker.local_participant.publish_track(track, rtc.TrackPublishOptions())
            for n in range(50):  # half a second of audio, so both transports connect
                await source.capture_frame(_tone_frame(n))
        addresses: set[str] = set()
        for room in (speaker, listener):
            stats = await room.get_rtc_stats()
            for s in [*stats.publisher_stats, *stats.subscriber_stats]:
                kind = s.WhichOneof("stats")
                if kind in ("local_candidate", "remote_candidate"):
                    addresses.add(getattr(s, kind).candidate.address)
        await source.aclose()
    finally:
        await _disconnect(speaker, listener)
    assert addresses, "no ICE candidates gathered"
    assert addresses <= {"127.0.0.1", livekit.media_ip}, addresses


async def test_room_service_lifecycle(livekit: LiveKitServer) -> None:
    room_name = f"svc-{uuid.uuid4().hex[:8]}"
    with anyio.fail_after(30.0):
        async with api.LiveKitAPI(livekit.url, livekit.api_key, livekit.api_secret) as lk:
            created = await lk.room.create_room(
                api.CreateRoomRequest(name=room_name, empty_timeout=60, max_participants=4)
            )
            assert created.name == room_name
            assert created.sid
            assert created.max_participants == 4

            listed = await lk.room.list_rooms(api.ListRoomsRequest(names=[room_name]))
            assert [r.name for r in listed.rooms] == [room_name]
            assert listed.rooms[0].sid == created.sid

            empty = await lk.room.list_participants(api.ListParticipantsRequest(room=room_name))
            assert list(empty.participants) == []

            member = await _connect(livekit, "member", room_name)
            try:
                parts = await lk.room.list_participants(api.ListParticipantsRequest(room=room_name))
                assert [p.identity for p in parts.participants] == ["member"]

                await lk.room.delete_room(api.DeleteRoomRequest(room=room_name))
                after = await lk.room.list_rooms(api.ListRoomsRequest(names=[room_name]))
                assert list(after.rooms) == []
            finally:
                await _disconnect(member)
