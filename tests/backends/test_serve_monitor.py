"""ServeMonitor: `/health`'s `load` turns degraded when the event loop lags or playout runs
late, and healthy again once the window has passed; a real WebSocket session plays out."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from voicegraph.backends.backend import Backend
from voicegraph.backends.config import HealthThresholds
from voicegraph.backends.providers import provider
from voicegraph.backends.serve_monitor import ServeMonitor
from voicegraph.framework import Graph, Outbox, Processor, handles
from voicegraph.framework.formats import PCM16K, AudioFormat
from voicegraph.framework.frames import ResponseEndFrame, ResponseStartFrame, TranscriptFrame, TTSAudioFrame

from ..transports.nodes import tone
from .support import WSClient

pytestmark = pytest.mark.anyio


class TypedToneReply(Processor):
    """Answers each typed line with `reply_ms` of tone (as a TTS would)."""

    concurrent = True

    def __init__(self, *, reply_ms: float = 2500.0) -> None:
        super().__init__()
        self._chunks = int(reply_ms // 100)

    def output_format(self, input_format: AudioFormat | None) -> AudioFormat | None:
        return PCM16K

    @handles
    async def on_transcript(self, frame: TranscriptFrame, out: Outbox) -> None:
        await out.send(ResponseStartFrame(response_id="r1"))
        for _ in range(self._chunks):
            await out.send(TTSAudioFrame(data=tone(100.0), format=PCM16K))
        await out.send(ResponseEndFrame(response_id="r1"))


def tone_graph(conn: Any) -> Graph:
    return Graph.chain(conn.input(), TypedToneReply(), conn.output(), name="tone")


@asynccontextmanager
async def monitored(thresholds: HealthThresholds) -> AsyncIterator[tuple[Backend[Any], ServeMonitor]]:
    backend = Backend(provider("websocket"), tone_graph, options={"port": 0, "resume_grace_s": 0})
    await backend.start()
    monitor = ServeMonitor(backend.manager, thresholds, period_s=0.02, window_s=0.6)
    probe = asyncio.create_task(monitor.run())
    try:
        yield backend, monitor
    finally:
        probe.cancel()
        await backend.stop(2)


def block_loop(seconds: float) -> None:
    """Hold the event loop (a CPU-bound handler would do the same)."""
    time.sleep(seconds)


async def test_loop_lag_degrades_the_load_then_it_recovers() -> None:
    async with monitored(HealthThresholds(loop_lag_ms=120)) as (_, monitor):
        await asyncio.sleep(0.2)
        assert monitor.load().status.value == "healthy", monitor.load().details
        block_loop(0.3)
        await asyncio.sleep(0.1)
        load = monitor.load()
        assert load.status.value == "degraded" and "event_loop_lag" in load.details["reasons"]
        assert load.details["loop_lag_ms"] >= 200
        assert not load.critical  # degraded still answers 200: the process serves
        await asyncio.sleep(0.9)  # past the window
        assert monitor.load().status.value == "healthy", monitor.load().details


async def test_late_playout_degrades_the_load() -> None:
    # A lag threshold no stall here reaches: only the playout reason may fire.
    async with monitored(HealthThresholds(loop_lag_ms=10_000, playout_late_ratio=0.05)) as (backend, monitor):
        ws = await WSClient.open(backend.transport.url)
        try:
            await ws.say("play something")
            await asyncio.sleep(0.5)  # playing in real time
            for _ in range(5):  # the loop stalls while audio plays
                block_loop(0.12)
                await asyncio.sleep(0.03)
            load = monitor.load()
            assert load.status.value == "degraded", load.details
            assert load.details["reasons"] == ["playout_late"]
            assert load.details["playout_late_ratio"] > 0.05
        finally:
            await hang_up(ws)


async def hang_up(ws: WSClient) -> None:
    """End the call as the protocol says and read to the close (a client that leaves the
    bot's audio unread would stall its own close handshake)."""
    from websockets.exceptions import ConnectionClosed

    await ws.ws.send('{"type": "end"}')
    with contextlib.suppress(ConnectionClosed):
        async with asyncio.timeout(10):
            while True:
                await ws.ws.recv()
