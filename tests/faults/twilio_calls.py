"""Twilio Media Streams calls through the fault proxy: an echo bot, forced drops, new streams.

Twilio's protocol has no resume: after a dropped stream the server must end that session
(its graph stops, no session is left behind) and the next stream, e.g. Twilio running the
TwiML again for the same call, must be served from scratch.
"""

from __future__ import annotations

import time
from typing import Any

import anyio

from tests.fakes.twilio_client import FakeTwilioCall, twilio_call
from tests.faults.ws_calls import ms_stats
from tests.transports.nodes import Echo, tone
from voicegraph.framework import Graph
from voicegraph.framework.formats import AudioFormat
from voicegraph.testing import WebSocketFaultProxy
from voicegraph.transports.connection import Connection
from voicegraph.transports.twilio_serializer import TwilioSerializer
from voicegraph.transports.websocket_transport import WebSocketTransport

PCM8K = AudioFormat(8000)
BOUND_S = 5.0


def echo_graph(conn: Connection) -> Graph:
    return Graph.chain(conn.input(), Echo(), conn.output())


async def heard_back(call: FakeTwilioCall, ms: float = 200.0) -> bool:
    """Say `ms` of tone; True when some of it is played back within the bound."""
    await call.say(tone(ms, fmt=PCM8K))
    with anyio.move_on_after(BOUND_S):
        while call.played_s < 0.05:  # noqa: ASYNC110 - polling the fake's playout
            await anyio.sleep(0.005)
        return True
    return False


async def sessions_gone(transport: WebSocketTransport, ids: set[str]) -> bool:
    """Wait (bounded) until none of `ids` is a live session any more."""
    with anyio.move_on_after(BOUND_S):
        while ids & set(transport.sessions):  # noqa: ASYNC110 - polling a plain dict
            await anyio.sleep(0.005)
        return True
    return False


async def echo_twilio_call_recovery(drops: int) -> dict[str, Any]:
    """`drops` forced drops of a Twilio stream: the session ends, a new stream is served."""
    ended_s: list[float] = []
    served_s: list[float] = []
    async with (
        WebSocketTransport(echo_graph, serializer=TwilioSerializer) as transport,
        WebSocketFaultProxy(f"ws://127.0.0.1:{transport.port}") as proxy,
    ):
        url = proxy.url + "/stream"
        for _ in range(drops):
            async with twilio_call(url) as call:
                if not await heard_back(call):
                    continue
                live = set(transport.sessions)
                proxy.cut_all()
                t0 = time.perf_counter()
                if await sessions_gone(transport, live):
                    ended_s.append(time.perf_counter() - t0)
            async with twilio_call(url) as again:
                if await heard_back(again, 100.0):
                    served_s.append(time.perf_counter() - t0)
                await again.hang_up()
        await sessions_gone(transport, set(transport.sessions))
        left = len(transport.sessions)
    return {
        "drops": drops,
        "dropped_session_ended": len(ended_s),
        "new_stream_served": len(served_s),
        "time_to_end_dropped_session": ms_stats(ended_s),
        "time_from_drop_to_audio_on_new_stream": ms_stats(served_s),
        "sessions_left_running": left,
        "resume": "not in the Twilio protocol: recovery is a new stream",
    }
