"""Playout shared by every output transport: pacing, interruption, reports (virtual clock)."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from voicegraph.framework import Graph, Runtime, VirtualClock
from voicegraph.framework.formats import MULAW8K, PCM16K, AudioFormat
from voicegraph.framework.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    EndFrame,
    Frame,
    InterruptFrame,
    OutputAudioFrame,
    QoSFrame,
    ReplyPlayedFrame,
    ResponseEndFrame,
    ResponseStartFrame,
    TTSAudioFrame,
)
from voicegraph.transports.memory_transport import MemoryTransport
from voicegraph.transports.playout_options import PlayoutOptions
from voicegraph.transports.playout_output import PlayoutOutput

from .nodes import tone

pytestmark = pytest.mark.anyio

MS = 1_000_000


@dataclass
class Session:
    clock: VirtualClock
    rt: Runtime
    client: MemoryTransport
    up: list[Frame] = field(default_factory=list)
    down: list[Frame] = field(default_factory=list)

    def chunks(self) -> list[OutputAudioFrame]:
        return [f for f in self.client.outputs_nowait() if isinstance(f, OutputAudioFrame)]

    def reports(self) -> list[ReplyPlayedFrame]:
        return [f for f in self.up if isinstance(f, ReplyPlayedFrame)]


@contextlib.asynccontextmanager
async def session(output_format: AudioFormat | None = None, **playout: Any) -> AsyncIterator[Session]:
    clock = VirtualClock()
    client = MemoryTransport(output_format=output_format)
    graph = Graph.chain(client.input(), client.output(playout=PlayoutOptions(**playout)))
    async with clock.autojump(), Runtime(graph, clock=clock) as rt:
        s = Session(clock, rt, client)
        rt.on_upstream(lambda f, _: s.up.append(f))
        rt.on_output(lambda f, _: s.down.append(f))
        yield s


async def test_reply_plays_in_fixed_chunks_at_exact_deadlines() -> None:
    audio = tone(1000)
    async with session() as s:
        await s.rt.push(TTSAudioFrame(data=audio, format=PCM16K))
    chunks = s.chunks()
    assert len(chunks) == 50
    assert {b.pts - a.pts for a, b in itertools.pairwise(chunks)} == {20 * MS}
    assert b"".join(c.data for c in chunks) == audio


async def test_chunk_deadlines_do_not_drift_across_frame_boundaries() -> None:
    async with session() as s:
        for _ in range(7):  # 7 frames of 33 ms: chunks straddle frame edges
            await s.rt.push(TTSAudioFrame(data=tone(33), format=PCM16K))
    chunks = s.chunks()
    start = chunks[0].pts
    assert [c.pts - start for c in chunks] == [20 * MS * k for k in range(len(chunks))]
    assert sum(len(c.data) for c in chunks) == 7 * len(tone(33))


async def test_interruption_stops_playout_within_one_chunk() -> None:
    async with session() as s:
        await s.rt.push(TTSAudioFrame(data=tone(1000), format=PCM16K))
        await s.clock.sleep(0.31)
        cut_at = s.clock.now_ns()
        await s.rt.interrupt("barge-in")
        await s.clock.sleep(0.2)
        outputs = s.client.outputs_nowait()
    chunks = [f for f in outputs if isinstance(f, OutputAudioFrame)]
    assert max(c.pts for c in chunks) <= cut_at < max(c.pts for c in chunks) + 20 * MS
    assert isinstance(outputs[-2], InterruptFrame)  # the clear, then bot-stopped
    assert isinstance(outputs[-1], BotStoppedSpeakingFrame)


async def test_cut_reply_reports_the_audio_actually_played() -> None:
    async with session() as s:
        await s.rt.push(TTSAudioFrame(data=tone(1000), format=PCM16K))
        await s.clock.sleep(0.31)
        first = s.client.outputs_nowait()[1]
        assert isinstance(first, OutputAudioFrame)
        played = s.clock.now_ns() - first.pts
        await s.rt.interrupt("barge-in")
    (report,) = s.reports()
    assert report.interrupted
    assert report.played_ns == played == 310 * MS
    assert report.total_ns == 1000 * MS


async def test_cut_reply_keeps_only_words_that_started_before_the_cut() -> None:
    words = (("hello", 0.0), ("big", 300.0), ("world", 600.0))
    async with session() as s:
        await s.rt.push(TTSAudioFrame(data=tone(1000), format=PCM16K, word_times_ms=words))
        await s.clock.sleep(0.45)
        await s.rt.interrupt("barge-in")
    assert s.reports()[0].text_played == "hello big"


async def test_untimed_text_is_counted_in_proportion_to_the_audio_played() -> None:
    async with session() as s:
        await s.rt.push(TTSAudioFrame(data=tone(1000), format=PCM16K, text="one two three four"))
        await s.clock.sleep(0.51)
        await s.rt.interrupt("barge-in")
    assert s.reports()[0].text_played == "one two"


async def test_finished_replies_are_reported_whole_with_their_ids() -> None:
    async with session() as s:
        for rid in ("a", "b"):
            await s.rt.push(ResponseStartFrame(response_id=rid))
            await s.rt.push(TTSAudioFrame(data=tone(200), format=PCM16K, text=f"reply {rid}"))
            await s.rt.push(ResponseEndFrame(response_id=rid))
    reports = s.reports()
    assert [(r.response_id, r.played_ns, r.total_ns, r.interrupted) for r in reports] == [
        ("a", 200 * MS, 200 * MS, False),
        ("b", 200 * MS, 200 * MS, False),
    ]
    assert [r.text_played for r in reports] == ["reply a", "reply b"]


async def test_replies_that_never_started_are_reported_unplayed_on_interruption() -> None:
    async with session(buffer_ms=1000) as s:
        for rid, ms in (("a", 400), ("b", 100)):
            await s.rt.push(ResponseStartFrame(response_id=rid))
            await s.rt.push(TTSAudioFrame(data=tone(ms), format=PCM16K))
            await s.rt.push(ResponseEndFrame(response_id=rid))
        await s.clock.sleep(0.1)
        await s.rt.interrupt("barge-in")
    assert [(r.response_id, r.played_ns, r.total_ns) for r in s.reports()] == [
        ("a", 100 * MS, 400 * MS),
        ("b", 0, 100 * MS),
    ]


async def test_bot_speaking_events_go_both_ways_around_the_audio() -> None:
    async with session(stop_hold_ms=100) as s:
        await s.rt.push(TTSAudioFrame(data=tone(200), format=PCM16K))
        await s.clock.sleep(0.5)
        outputs = s.client.outputs_nowait()
    kinds = [type(f) for f in outputs if not isinstance(f, OutputAudioFrame)]
    assert kinds == [BotStartedSpeakingFrame, BotStoppedSpeakingFrame]
    assert isinstance(outputs[0], BotStartedSpeakingFrame) and isinstance(
        outputs[-1], BotStoppedSpeakingFrame
    )
    for seen in (s.up, s.down):
        assert [
            type(f) for f in seen if isinstance(f, BotStartedSpeakingFrame | BotStoppedSpeakingFrame)
        ] == [
            BotStartedSpeakingFrame,
            BotStoppedSpeakingFrame,
        ]


async def test_bot_stops_speaking_only_after_the_hold_of_silence() -> None:
    async with session(stop_hold_ms=100) as s:
        await s.rt.push(TTSAudioFrame(data=tone(100), format=PCM16K))
        await s.clock.sleep(0.15)  # 50 ms gap: shorter than the hold
        await s.rt.push(TTSAudioFrame(data=tone(100), format=PCM16K))
        await s.clock.sleep(0.5)
    started = [f for f in s.up if isinstance(f, BotStartedSpeakingFrame)]
    assert len(started) == 1
    assert len(s.reports()) == 1 and s.reports()[0].played_ns == 200 * MS


async def test_drain_plays_everything_before_the_end_frame_leaves() -> None:
    async with session() as s:
        await s.rt.push(TTSAudioFrame(data=tone(500), format=PCM16K))
    assert isinstance(s.down[-1], EndFrame)
    assert len(s.chunks()) == 25
    assert s.reports()[0].played_ns == 500 * MS


async def test_audio_is_converted_and_chunked_in_the_output_format() -> None:
    async with session(output_format=MULAW8K) as s:
        await s.rt.push(TTSAudioFrame(data=tone(200), format=PCM16K))
    chunks = s.chunks()
    assert {c.format for c in chunks} == {MULAW8K}
    assert [len(c.data) for c in chunks[:10]] == [160] * 10  # 20 ms of 8 kHz mu-law each
    assert sum(len(c.data) for c in chunks) in (1600, 1601)  # the resampler may lead by a sample


class SlowOnce(PlayoutOutput):
    """An output whose medium blocks once for 100 ms, as a stalled socket would."""

    def __init__(self) -> None:
        super().__init__(audio_format=PCM16K)
        self.times: list[int] = []

    async def write_audio(self, data: bytes, fmt: AudioFormat, at_ns: int) -> None:
        self.times.append(self.clock.now_ns())
        if len(self.times) == 3:
            await self.clock.sleep(0.1)


async def test_late_playout_reports_qos_upstream_and_does_not_burst() -> None:
    clock = VirtualClock()
    out = SlowOnce()
    up: list[Frame] = []
    async with clock.autojump(), Runtime(Graph.chain(out), clock=clock) as rt:
        rt.on_upstream(lambda f, _: up.append(f))
        await rt.push(TTSAudioFrame(data=tone(200), format=PCM16K))
    (qos,) = [f for f in up if isinstance(f, QoSFrame)]
    assert qos.lateness_ns == 80 * MS  # chunk 3 was written at 40 ms and took 100 ms; chunk 4 was due at 60
    gaps = [b - a for a, b in zip(out.times, out.times[1:], strict=False)]
    assert gaps == [20 * MS, 20 * MS, 100 * MS] + [20 * MS] * 6
    assert out.stats.late_ticks == 1


async def test_reply_after_an_idle_interruption_keeps_its_response_id() -> None:
    async with session() as s:
        await s.rt.interrupt("user spoke while the bot was quiet")
        await s.rt.push(ResponseStartFrame(response_id="after"))
        await s.rt.push(TTSAudioFrame(data=tone(100), format=PCM16K))
        await s.rt.push(ResponseEndFrame(response_id="after"))
    assert [(r.response_id, r.interrupted) for r in s.reports()] == [("after", False)]
