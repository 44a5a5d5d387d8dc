"""PcmAudioTrack: PCM chunks in, timed av frames out to aiortc's sender, silence in between."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest
from aiortc.mediastreams import MediaStreamError

from tests.transports.nodes import tone
from voicegraph.framework.formats import PCM16K, PCM48K
from voicegraph.transports.webrtc.pcm_audio_track import PcmAudioTrack

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(20)]

CHUNK = 640  # 20 ms of 16 kHz mono s16


def stereo(frame: object) -> np.ndarray:
    return np.asarray(frame.to_ndarray()).reshape(-1, 2)  # type: ignore[attr-defined]


async def test_a_pushed_chunk_leaves_at_once_when_write_driven() -> None:
    track = PcmAudioTrack(PCM16K)
    await track.recv()  # the first slot
    track.push(tone(20))
    t0 = time.perf_counter()
    frame = await track.recv()
    assert time.perf_counter() - t0 < 0.01
    assert np.abs(stereo(frame)).max() > 1000


async def test_an_idle_track_sends_one_silent_chunk_per_period() -> None:
    track = PcmAudioTrack(PCM16K)
    t0 = time.perf_counter()
    frames = [await track.recv() for _ in range(10)]
    elapsed = time.perf_counter() - t0
    assert 0.18 < elapsed < 0.35
    assert all(not stereo(f).any() for f in frames)
    assert track.silent_chunks == 10


async def test_a_paced_track_plays_queued_audio_in_real_time() -> None:
    track = PcmAudioTrack(PCM16K, paced=True, max_queued_ms=1000)
    track.push(tone(200))
    t0 = time.perf_counter()
    for _ in range(10):
        await track.recv()
    assert 0.16 < time.perf_counter() - t0 < 0.3
    assert track.sent_chunks == 10


async def test_mono_is_sent_as_two_equal_channels_at_full_level() -> None:
    track = PcmAudioTrack(PCM48K)
    pcm = tone(20, fmt=PCM48K)
    track.push(pcm)
    frame = await track.recv()
    both = stereo(frame)
    assert frame.sample_rate == 48000 and frame.layout.name == "stereo"
    assert np.array_equal(both[:, 0], both[:, 1])
    assert np.array_equal(both[:, 0], np.frombuffer(pcm, "<i2"))


async def test_timestamps_count_samples_without_gaps() -> None:
    track = PcmAudioTrack(PCM16K)
    track.push(tone(40))
    frames = [await track.recv() for _ in range(3)]
    assert [f.pts for f in frames] == [0, 320, 640]


async def test_clear_drops_queued_audio_and_silence_follows() -> None:
    track = PcmAudioTrack(PCM16K, max_queued_ms=1000)
    track.push(tone(100))
    track.clear()
    frame = await track.recv()
    assert not stereo(frame).any()
    assert track.dropped_bytes == 5 * CHUNK


async def test_a_full_queue_drops_the_oldest_audio() -> None:
    track = PcmAudioTrack(PCM16K, max_queued_ms=100)
    track.push(tone(200))
    assert track.queued_ms == pytest.approx(100)
    assert track.dropped_bytes == 5 * CHUNK


async def test_a_stopped_track_wakes_its_reader_with_an_error() -> None:
    track = PcmAudioTrack(PCM16K, slack_ms=5000)
    waiting = asyncio.ensure_future(track.recv())
    await asyncio.sleep(0.05)
    track.stop()
    with pytest.raises(MediaStreamError):
        await waiting
