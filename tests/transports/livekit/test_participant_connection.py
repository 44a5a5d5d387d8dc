"""ParticipantConnection without a server: resampling, the bounded input queue, states."""

from __future__ import annotations

import numpy as np
import pytest

from voicegraph.framework.frames import InputAudioFrame
from voicegraph.transports.livekit import (
    DataMessageFrame,
    ParticipantConnection,
    ParticipantState,
    RoomEvent,
    RoomEventFrame,
)

pytestmark = pytest.mark.anyio


def tone48k(ms: int, hz: float = 440.0) -> bytes:
    t = np.arange(48 * ms) / 48000  # starts at phase 0: feed one long tone in slices
    return (np.sin(2 * np.pi * hz * t) * 8000).astype("<i2").tobytes()


async def drain(conn: ParticipantConnection, n: int) -> list[object]:
    return [await conn.receive() for _ in range(n)]


async def test_livekit_audio_reaches_the_graph_at_16_khz_with_its_pitch() -> None:
    conn = ParticipantConnection("r", "u")
    tone = tone48k(1000)
    for i in range(0, len(tone), 960):  # 10 ms frames, as the SDK delivers them
        conn.feed_audio(tone[i : i + 960])
    frames = [f for f in await drain(conn, conn.stats.frames_in) if isinstance(f, InputAudioFrame)]
    pcm = np.concatenate([f.samples() for f in frames]).astype(np.float64)
    assert {f.format.rate for f in frames} == {16000}
    assert 16000 - 120 <= len(pcm) <= 16000  # soxr LQ holds back 6 ms (100 samples)
    spectrum = np.abs(np.fft.rfft(pcm * np.hanning(len(pcm))))
    assert abs(np.argmax(spectrum[1:]) + 1 - 440 * len(pcm) / 16000) <= 2  # within 2 bins of 440 Hz


async def test_a_full_queue_drops_the_oldest_audio_and_keeps_events() -> None:
    conn = ParticipantConnection("r", "u", input_rate=48000, capacity=4)
    conn.feed(DataMessageFrame(payload=b"hi", sender="u"))
    for i in range(5):
        conn.feed_audio(bytes([i]) * 960)
    out = await drain(conn, 4)
    assert isinstance(out[0], DataMessageFrame)
    assert [f.data[0] for f in out[1:] if isinstance(f, InputAudioFrame)] == [2, 3, 4]
    assert conn.stats.dropped_in == 2


async def test_state_changes_reach_listeners_and_the_graph() -> None:
    conn = ParticipantConnection("r", "u")
    seen: list[ParticipantState] = []
    conn.on_state(lambda c, s: seen.append(s))
    conn.set_state(ParticipantState.RECONNECTING, RoomEvent.RECONNECTING)
    conn.set_state(ParticipantState.ACTIVE, RoomEvent.RECONNECTED)
    (first, second) = await drain(conn, 2)
    assert isinstance(first, RoomEventFrame) and isinstance(second, RoomEventFrame)
    assert (first.event, second.event, first.identity, first.room) == (
        RoomEvent.RECONNECTING, RoomEvent.RECONNECTED, "u", "r",
    )  # fmt: skip
    assert seen == [ParticipantState.RECONNECTING, ParticipantState.ACTIVE]


async def test_a_finished_connection_takes_nothing_more() -> None:
    conn = ParticipantConnection("r", "u")
    conn.finish(lost=True)
    conn.feed_audio(tone48k(10))
    assert conn.state is ParticipantState.ENDED and conn.lost
    assert conn.stats.frames_in == 0
