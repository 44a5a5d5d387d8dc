"""Playout on the real clock: chunks leave one chunk duration apart, never in a burst."""

from __future__ import annotations

import itertools
import statistics
import time

import pytest

from voicegraph.framework import Graph, Runtime
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import OutputAudioFrame, TTSAudioFrame
from voicegraph.transports.memory_transport import MemoryTransport

from .nodes import tone

pytestmark = pytest.mark.anyio

MS = 1_000_000


async def test_real_clock_playout_sends_chunks_one_duration_apart() -> None:
    client = MemoryTransport()
    async with Runtime(Graph.chain(client.input(), client.output())) as rt:
        await rt.push(TTSAudioFrame(data=tone(600), format=PCM16K))
        times: list[int] = []
        while len(times) < 30:
            if isinstance(await client.next_output(), OutputAudioFrame):
                times.append(time.monotonic_ns())
    gaps = [b - a for a, b in itertools.pairwise(times)]
    span = times[-1] - times[0]
    assert 29 * 20 * MS - 15 * MS <= span <= 29 * 20 * MS + 60 * MS
    assert 17 * MS <= statistics.median(gaps) <= 23 * MS
    assert sum(g < 5 * MS for g in gaps) <= 2  # no burst (a loaded machine may bunch a pair)
