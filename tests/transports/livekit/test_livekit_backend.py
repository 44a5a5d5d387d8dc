"""The `livekit` backend provider on a real server: sessions admitted by the session manager."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.livekit_server import LiveKitServer
from tests.transports.nodes import EnergyGate, ToneBot, silence, tone
from voicegraph.backends.providers import create_backend
from voicegraph.framework import ErrorCode, Graph, VoiceError
from voicegraph.transports.connection import Connection
from voicegraph.transports.livekit.participant_connection import CALL_TOPIC

from .conftest import join_user, make_config
from .sim_user import wait_for

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.timeout(90)]


def tone_agent(conn: Connection) -> Graph:
    return Graph.chain(conn.input(), EnergyGate(), ToneBot(reply_ms=500), conn.output())


async def test_the_livekit_backend_serves_users_up_to_its_limit(
    livekit: LiveKitServer, room_name: str
) -> None:
    config = make_config(livekit)
    options = {"url": livekit.url, "api_key": livekit.api_key, "api_secret": livekit.api_secret}
    backend = create_backend("livekit", tone_agent, options={**options, "rooms": [room_name]}, max_sessions=1)
    async with backend:
        first = await join_user(config, room_name, "olga")
        second = None
        try:
            await wait_for(first.subscribed.is_set, 15)
            live = backend.manager.list()
            spoken_end = await first.say(np.frombuffer(tone(300) + silence(400), dtype="<i2"))
            await wait_for(lambda: len(first.heard.loud_times(spoken_end)) >= 40, 15)  # the reply
            second = await join_user(config, room_name, "pete")
            await wait_for(lambda: bool(second and second.data), 10)
            described = backend.transport.describe()
            after_refusal = [s.id for s in backend.manager.list()]
        finally:
            await first.leave()
            if second is not None:
                await second.leave()
    (session,) = live
    assert after_refusal == [session.id]  # the refused user got no session
    assert session.state == "active" and backend.transport.session_for(room_name, "olga") is None
    assert described["kind"] == "livekit" and described["rooms"] == {room_name: "connected"}
    ((topic, payload),) = second.data
    refusal = json.loads(payload)
    assert topic == CALL_TOPIC and refusal["type"] == "error"
    assert refusal["code"] == str(ErrorCode.SESSION_LIMIT_EXCEEDED)


def test_the_livekit_backend_needs_rooms() -> None:
    with pytest.raises(VoiceError) as caught:
        create_backend("livekit", tone_agent, options={"url": "ws://127.0.0.1:1", "api_key": "k"})
    assert caught.value.code is ErrorCode.INVALID_CONFIG and "rooms" in caught.value.message
