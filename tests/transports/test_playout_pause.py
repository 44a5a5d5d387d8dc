"""PacedPlayout.pause/resume (issue 19): hold the reply, drop nothing, go on without a burst."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator

import pytest

from voicegraph.framework import Graph, Runtime, VirtualClock
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import Frame, OutputAudioFrame, ReplyPlayedFrame, TTSAudioFrame
from voicegraph.transports.memory_transport import MemoryTransport
from voicegraph.transports.playout_output import PlayoutOutput

from .nodes import tone

pytestmark = pytest.mark.anyio
MS = 1_000_000


@contextlib.asynccontextmanager
async def playing() -> AsyncIterator[tuple[VirtualClock, Runtime, PlayoutOutput, list[Frame]]]:
    clock = VirtualClock()
    client = MemoryTransport()
    out = client.output()
    outs: list[Frame] = []
    async with clock.autojump(), Runtime(Graph.chain(client.input(), out), clock=clock) as rt:
        await rt.push(TTSAudioFrame(data=tone(1000), format=PCM16K))
        await clock.sleep(0.3)
        yield clock, rt, out, outs
        outs += client.outputs_nowait()


def chunks(outs: list[Frame]) -> list[OutputAudioFrame]:
    return [f for f in outs if isinstance(f, OutputAudioFrame)]


async def test_a_paused_reply_plays_on_whole_after_resume_without_a_burst() -> None:
    async with playing() as (clock, _, out, outs):
        out.pause()
        paused_at = clock.now_ns()
        await clock.sleep(0.5)
        out.resume()
        await clock.sleep(1.0)
    played = chunks(outs)
    assert b"".join(c.data for c in played) == tone(1000)  # nothing dropped
    gaps = [b.pts - a.pts for a, b in itertools.pairwise(played)]
    assert max(gaps) >= 500 * MS - 20 * MS  # held for the pause
    assert sorted(gaps)[-2] == 20 * MS  # every other step is one chunk: no catch-up burst
    assert max(c.pts for c in played if c.pts <= paused_at + 20 * MS) <= paused_at + 20 * MS
    assert out.pauses == 1


async def test_an_interruption_while_paused_ends_the_hold_for_the_next_reply() -> None:
    async with playing() as (clock, rt, out, outs):
        out.pause()
        await rt.interrupt("barge-in")
        assert not out.paused
        await rt.push(TTSAudioFrame(data=tone(200), format=PCM16K))
        await clock.sleep(0.5)
    played = b"".join(c.data for c in chunks(outs))
    assert played.endswith(tone(200))


async def test_a_reply_cut_during_a_pause_reports_only_the_audio_played_before_it() -> None:
    up: list[Frame] = []
    async with playing() as (clock, rt, out, outs):
        rt.on_upstream(lambda f, _: up.append(f))
        await clock.sleep(0.01)  # mid-chunk: the pause holds at the next boundary
        out.pause()
        await clock.sleep(0.5)
        await rt.interrupt("barge-in")
    written = sum(len(c.data) for c in chunks(outs)) // 32 * MS  # 16 kHz s16: 32 bytes a ms
    (report,) = [f for f in up if isinstance(f, ReplyPlayedFrame)]
    assert report.interrupted
    assert report.played_ns == written < 400 * MS  # the held time is not counted as played
