"""Audio a caller sends while the session's graph starts is kept (by duration, `max_backlog_s`)
and reaches the graph in order once it runs; past the limit the oldest goes, the call goes on."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import numpy as np
import pytest

from tests.backends.support import WSClient
from voicegraph.backends.backend import Backend
from voicegraph.backends.providers import provider
from voicegraph.framework import Graph, Outbox, Processor, StartContext, handles
from voicegraph.framework.frames import InputAudioFrame

pytestmark = pytest.mark.anyio

CHUNK = 320  # samples: 20 ms at 16 kHz


class SlowStartCounter(Processor):
    """Takes `start_s` to start (an engine loading), then records each chunk's tag
    (every sample of chunk k holds the value k)."""

    def __init__(self, seen: list[int], *, start_s: float) -> None:
        super().__init__()
        self._seen = seen
        self._start_s = start_s

    async def on_start(self, ctx: StartContext) -> None:
        await asyncio.sleep(self._start_s)

    @handles
    async def on_audio(self, frame: InputAudioFrame, out: Outbox) -> None:
        samples = np.frombuffer(frame.data, "<i2")
        self._seen.extend(int(samples[i]) for i in range(0, len(samples), CHUNK))


async def send_while_starting(max_backlog_s: float, chunks: int) -> list[int]:
    """Send `chunks` tagged 20 ms chunks at once, right after `started`; the tags the graph saw."""
    seen: list[int] = []

    def graph(conn: Any) -> Graph:
        return Graph.chain(conn.input(), SlowStartCounter(seen, start_s=1.0), conn.output(), name="slow")

    options = {"port": 0, "max_backlog_s": max_backlog_s, "resume_grace_s": 0}
    backend = Backend(provider("websocket"), graph, options=options)
    await backend.start()
    try:
        ws = await WSClient.open(backend.transport.url)
        for k in range(chunks):
            await ws.ws.send(np.full(CHUNK, k, "<i2").tobytes())
        expected = min(chunks, int(max_backlog_s * 50))
        async with asyncio.timeout(10):
            while len(seen) < expected:  # noqa: ASYNC110 - the graph's progress, no event to wait on
                await asyncio.sleep(0.05)
        await ws.ws.send(json.dumps({"type": "text", "text": "still there"}))
        await asyncio.sleep(0.2)
        assert backend.manager.live, "the session ended"
        await ws.close()
    finally:
        await backend.stop(2)
    return seen


async def test_audio_sent_while_the_graph_starts_arrives_whole_and_in_order() -> None:
    seen = await send_while_starting(max_backlog_s=120, chunks=150)  # 3 s
    assert seen == list(range(150))


async def test_past_the_backlog_limit_the_oldest_audio_goes_and_the_call_goes_on() -> None:
    seen = await send_while_starting(max_backlog_s=1.0, chunks=150)  # 3 s against 1 s kept
    assert seen == list(range(100, 150))
