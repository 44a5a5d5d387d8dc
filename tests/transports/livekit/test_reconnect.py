"""The server is killed (-9) and restarted mid-call: the agent reconnects, the session survives."""

from __future__ import annotations

import asyncio

import pytest
from livekit import rtc

from tests.livekit_server import LiveKitServer
from tests.speech import synthesize
from voicegraph.framework.errors import ErrorCode
from voicegraph.transports import HealthStatus
from voicegraph.transports.livekit import (
    LiveKitConfig,
    LiveKitTransport,
    ParticipantState,
    RoomEvent,
    RoomState,
)

from .conftest import join_user, make_config
from .sim_user import SimUser, converse, wait_for
from .voice_agent import SessionLog, probe_only, voice_agent

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.timeout(180)]

RULES = {"weather": "It will be sunny."}
QUESTION = "What is the weather like tomorrow?"
RESTARTS = 2


async def ask(user: SimUser) -> None:
    await converse(user, synthesize(QUESTION))


async def test_the_conversation_continues_after_the_server_restarts(
    livekit: LiveKitServer, lk_config: LiveKitConfig, room_name: str
) -> None:
    logs: dict[str, SessionLog] = {}
    async with LiveKitTransport(lk_config, voice_agent(logs, RULES)) as lk:
        room = await lk.join(room_name)
        user = await join_user(lk_config, room_name, "kim")
        try:
            await wait_for(user.subscribed.is_set, 15)
            conn = lk.session_for(room_name, "kim")
            await ask(user)
            for _ in range(RESTARTS):
                await asyncio.to_thread(livekit.restart)
                await wait_for(lambda: room.state is RoomState.RECONNECTING, 10)
                await wait_for(
                    lambda: conn is not None and conn.state is ParticipantState.ACTIVE
                    and user.room.connection_state == rtc.ConnectionState.CONN_CONNECTED,
                    30,
                )  # fmt: skip
                await ask(user)
        finally:
            await user.leave()
    log = logs["kim"]
    assert log.sessions == 1 and lk.session_for(room_name, "kim") is None
    assert len(log.turns) == RESTARTS + 1
    seen = [e.event for e in log.events]
    assert seen.count(RoomEvent.RECONNECTING) >= RESTARTS and seen.count(RoomEvent.RECONNECTED) >= RESTARTS
    assert room.reconnects >= RESTARTS


async def test_health_is_unhealthy_while_the_server_is_down_and_healthy_once_reconnected(
    livekit: LiveKitServer, lk_config: LiveKitConfig, room_name: str
) -> None:
    async with LiveKitTransport(lk_config, probe_only({})) as lk:
        room = await lk.join(room_name)
        livekit.kill()
        try:
            await wait_for(lambda: room.state is RoomState.RECONNECTING, 10)
            down = await lk.health()
        finally:
            await asyncio.to_thread(livekit.start)
        await wait_for(lambda: room.state is RoomState.CONNECTED, 30)
        up = await lk.health()
    assert down.status is HealthStatus.UNHEALTHY
    assert down.component("server").status is HealthStatus.UNHEALTHY
    assert down.component("rooms").status is HealthStatus.DEGRADED
    assert down.component("rooms").details["rooms"] == {room_name: "reconnecting"}
    assert up.status is HealthStatus.HEALTHY and up.component("rooms").details["reconnects"] == 1


async def test_when_the_sdk_gives_up_the_agent_rejoins_and_the_session_goes_on(
    livekit: LiveKitServer, room_name: str
) -> None:
    config = make_config(livekit, reconnect_initial_s=0.2)
    logs: dict[str, SessionLog] = {}
    async with LiveKitTransport(config, probe_only(logs)) as lk:
        room = await lk.join(room_name)
        user = await join_user(config, room_name, "lee")
        try:
            await wait_for(user.subscribed.is_set, 15)
            first = room.link.room
            await first.simulate_scenario(rtc.SimulateScenarioKind.SIMULATE_SERVER_LEAVE)  # SDK: disconnected
            await wait_for(
                lambda: room.link.room not in (None, first) and room.state is RoomState.CONNECTED, 15
            )
            conn = lk.session_for(room_name, "lee")
            await wait_for(lambda: user.streams == 2, 15)  # the agent's track, republished
            heard_before = conn.stats.frames_in if conn else 0
            await user.send_data(b"still there?")
            await wait_for(lambda: bool(user.data), 10)
        finally:
            await user.leave()
    assert conn is not None and conn.stats.frames_in > heard_before and logs["lee"].sessions == 1
    assert user.data == [("", b"ack:still there?")]
    assert [e.event for e in logs["lee"].events][1:4] == [
        RoomEvent.RECONNECTING, RoomEvent.PARTICIPANT_JOINED, RoomEvent.RECONNECTED
    ]  # fmt: skip


async def test_after_its_reconnect_attempts_the_agent_ends_the_rooms_sessions(
    livekit: LiveKitServer, room_name: str
) -> None:
    config = make_config(livekit, reconnect_initial_s=1.0, reconnect_max_s=1.0, reconnect_attempts=2)
    logs: dict[str, SessionLog] = {}
    async with LiveKitTransport(config, probe_only(logs)) as lk:
        room = await lk.join(room_name)
        user = await join_user(config, room_name, "max")
        try:
            await wait_for(user.subscribed.is_set, 15)  # the session is up and publishing
            await room.link.room.simulate_scenario(rtc.SimulateScenarioKind.SIMULATE_SERVER_LEAVE)
            await wait_for(lambda: room.link.room is None, 10)  # the SDK gave up: the agent's turn
            livekit.kill()  # nothing to come back to
            await wait_for(lambda: room.state is RoomState.CLOSED and not lk.sessions, 15)
        finally:
            await asyncio.to_thread(livekit.start)
            await user.leave()
    assert room.last_error is not None and room.last_error.code is ErrorCode.CONNECTION_FAILED
    assert [e.event for e in logs["max"].events][-1] is RoomEvent.DISCONNECTED
