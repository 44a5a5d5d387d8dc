"""Forced drops of the agent's LiveKit signalling link (through the TCP fault proxy), timed.

The agent (`LiveKitTransport`, engine-free probe graph) reaches the server through a
`FaultProxy`; a simulated user joins directly. Each drop cuts every proxied connection
(`cut_all`); recovery is the room going RECONNECTING then CONNECTED again (the SDK's
signal resume), and then a data message from the user answered by the same session.
"""

from __future__ import annotations

import time
import urllib.parse
from typing import Any

from tests.faults.ws_calls import ms_stats
from tests.livekit_server import LiveKitServer
from tests.transports.livekit.conftest import join_user, make_config
from tests.transports.livekit.sim_user import wait_for
from tests.transports.livekit.voice_agent import SessionLog, probe_only
from voicegraph.testing import FaultProxy
from voicegraph.transports.livekit import LiveKitTransport, RoomState

BOUND_S = 20.0


async def livekit_drop_recovery(server: LiveKitServer, drops: int, room_name: str) -> dict[str, Any]:
    """`drops` signalling cuts in one call: how many recover, how fast, whether the session goes on."""
    port = urllib.parse.urlsplit(server.url).port
    assert port is not None
    logs: dict[str, SessionLog] = {}
    resumed_s: list[float] = []
    answered = 0
    failures: list[str] = []
    async with FaultProxy(port) as proxy:
        config = make_config(server, url=f"ws://127.0.0.1:{proxy.port}", reconnect_initial_s=0.2)
        async with LiveKitTransport(config, probe_only(logs)) as lk:
            room = await lk.join(room_name)
            user = await join_user(make_config(server), room_name, "dropped")
            try:
                await wait_for(user.subscribed.is_set, 15)
                for i in range(drops):
                    proxy.cut_all()
                    t0 = time.perf_counter()
                    try:
                        await wait_for(lambda: room.state is RoomState.RECONNECTING, 10)
                        await wait_for(lambda: room.state is RoomState.CONNECTED, BOUND_S)
                        resumed_s.append(time.perf_counter() - t0)
                        payload = f"ping {i}".encode()
                        await user.send_data(payload)
                        await wait_for(lambda p=payload: ("", b"ack:" + p) in user.data, 10)  # type: ignore[misc]
                        answered += 1
                    except TimeoutError:
                        failures.append(f"drop {i + 1}: room {room.state}")
            finally:
                await user.leave()
    return {
        "drops": drops,
        "resumed": len(resumed_s),
        "session_answered_after": answered,
        "sessions_built": logs["dropped"].sessions if "dropped" in logs else 0,
        "time_to_resume": ms_stats(resumed_s),
        "failures": failures,
        "what": "agent signalling link cut (TCP, both legs); media is direct WebRTC",
    }
