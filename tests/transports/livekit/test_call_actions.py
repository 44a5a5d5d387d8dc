"""A hang-up through a real LiveKit server: the user hears the goodbye, is told, and is removed."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.transports.nodes import EnergyGate, ToneBot, silence, tone
from voicegraph.framework import Graph
from voicegraph.framework.frames import EndCallFrame
from voicegraph.transports.connection import Connection
from voicegraph.transports.livekit import LiveKitConfig, LiveKitTransport
from voicegraph.transports.livekit.participant_connection import CALL_TOPIC

from .conftest import join_user
from .sim_user import wait_for

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.timeout(90)]


def hang_up_after_the_first_reply(conn: Connection) -> Graph:
    bot = ToneBot(reply_ms=600, after={1: EndCallFrame(reason="goodbye said")})
    return Graph.chain(conn.input(), EnergyGate(), bot, conn.output())


async def test_a_hang_up_plays_the_goodbye_tells_the_user_and_removes_them(
    lk_config: LiveKitConfig, room_name: str
) -> None:
    async with LiveKitTransport(lk_config, hang_up_after_the_first_reply) as lk:
        await lk.join(room_name)
        user = await join_user(lk_config, room_name, "nia")
        try:
            await wait_for(user.subscribed.is_set, 15)
            spoken = np.frombuffer(tone(300) + silence(400), dtype="<i2")
            spoken_end = await user.say(spoken)
            await wait_for(lambda: not user.room.isconnected(), 20)  # removed by the agent
            ended = lk.session_for(room_name, "nia") is None
            people = {p.identity for p in await lk.admin.list_participants(room_name)}
        finally:
            await user.leave()
    assert user.data == [(CALL_TOPIC, json.dumps({"type": "end_call", "reason": "goodbye said"}).encode())]
    loud_s = len(user.heard.loud_times(spoken_end)) / 100  # 10 ms frames
    assert 0.5 <= loud_s <= 0.7  # the whole goodbye (0.6 s of tone) reached the user before
    assert ended and "nia" not in people
