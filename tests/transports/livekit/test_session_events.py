"""Room events become frames and session states: mutes, leaving, coming back, room deletion."""

from __future__ import annotations

import asyncio
import sys
import time

import pytest

from tests.livekit_server import LiveKitServer
from voicegraph.transports import HealthStatus
from voicegraph.transports.livekit import (
    LiveKitConfig,
    LiveKitTransport,
    ParticipantState,
    RoomEvent,
    RoomState,
    TokenIssuer,
)

from .conftest import join_user, make_config
from .sim_user import DEPARTURE_S, wait_for
from .voice_agent import SessionLog, probe_only

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.timeout(120)]


def events(log: SessionLog) -> list[RoomEvent]:
    return [e.event for e in log.events]


async def test_muting_and_unmuting_the_microphone_reach_the_graph(
    lk_config: LiveKitConfig, room_name: str
) -> None:
    logs: dict[str, SessionLog] = {}
    async with LiveKitTransport(lk_config, probe_only(logs)) as lk:
        await lk.join(room_name)
        user = await join_user(lk_config, room_name, "erin")
        try:
            await wait_for(lambda: "erin" in logs, 10)
            user.mute()
            await wait_for(lambda: RoomEvent.TRACK_MUTED in events(logs["erin"]), 10)
            user.mute(False)
            await wait_for(lambda: RoomEvent.TRACK_UNMUTED in events(logs["erin"]), 10)
        finally:
            await user.leave()
    assert events(logs["erin"])[:3] == [
        RoomEvent.PARTICIPANT_JOINED,
        RoomEvent.TRACK_MUTED,
        RoomEvent.TRACK_UNMUTED,
    ]


async def test_a_user_who_comes_back_within_the_grace_keeps_their_session(
    lk_config: LiveKitConfig, room_name: str
) -> None:
    logs: dict[str, SessionLog] = {}
    async with LiveKitTransport(lk_config, probe_only(logs)) as lk:
        await lk.join(room_name)
        user = await join_user(lk_config, room_name, "fay")
        await wait_for(user.subscribed.is_set, 10)  # signalling settled: the leave is read at once
        first = lk.session_for(room_name, "fay")
        await user.leave()
        await wait_for(lambda: first is not None and first.state is ParticipantState.AWAY, DEPARTURE_S)
        user = await join_user(lk_config, room_name, "fay")
        try:
            await wait_for(lambda: first is not None and first.state is ParticipantState.ACTIVE, 10)
            again = lk.session_for(room_name, "fay")
        finally:
            await user.leave()
    assert again is first and logs["fay"].sessions == 1
    assert events(logs["fay"])[:3] == [
        RoomEvent.PARTICIPANT_JOINED,
        RoomEvent.PARTICIPANT_LEFT,
        RoomEvent.PARTICIPANT_JOINED,
    ]


async def test_a_user_whose_client_dies_is_away_once_the_server_notices(
    lk_config: LiveKitConfig, room_name: str
) -> None:
    """No leave message: the session goes away when the server's peer timeout fires."""
    logs: dict[str, SessionLog] = {}
    token = await TokenIssuer(lk_config).client_token("ivy", room_name)
    async with LiveKitTransport(lk_config, probe_only(logs)) as lk:
        await lk.join(room_name)
        # forked from this thread, the client shares the test's network namespace
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.transports.livekit.vanishing_user", lk_config.url, token,
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            assert proc.stdout is not None
            async with asyncio.timeout(30):
                assert await proc.stdout.readline() == b"joined\n"
            await wait_for(lambda: lk.session_for(room_name, "ivy") is not None, 10)
            conn = lk.session_for(room_name, "ivy")
            proc.kill()
            killed = time.monotonic()
            await wait_for(lambda: conn is not None and conn.state is ParticipantState.AWAY, DEPARTURE_S)
            noticed_s = time.monotonic() - killed
            kept = conn is not None and not conn.finished  # away within the grace: not ended
        finally:
            if proc.returncode is None:
                proc.kill()
            await proc.wait()
    print(f"departure noticed {noticed_s:.1f} s after the kill")
    assert kept
    assert events(logs["ivy"])[:2] == [RoomEvent.PARTICIPANT_JOINED, RoomEvent.PARTICIPANT_LEFT]


async def test_a_user_who_stays_away_past_the_grace_loses_their_session(
    livekit: LiveKitServer, room_name: str
) -> None:
    config = make_config(livekit, rejoin_grace_s=0.3)
    logs: dict[str, SessionLog] = {}
    async with LiveKitTransport(config, probe_only(logs)) as lk:
        await lk.join(room_name)
        user = await join_user(config, room_name, "gus")
        await wait_for(user.subscribed.is_set, 10)
        conn = lk.session_for(room_name, "gus")
        await user.leave()
        await wait_for(lambda: lk.session_for(room_name, "gus") is None, DEPARTURE_S)
    assert conn is not None and conn.state is ParticipantState.ENDED and conn.lost


async def test_deleting_the_room_ends_its_sessions_and_degrades_health(
    lk_config: LiveKitConfig, room_name: str
) -> None:
    logs: dict[str, SessionLog] = {}
    async with LiveKitTransport(lk_config, probe_only(logs)) as lk:
        room = await lk.join(room_name)
        before = await lk.health()
        user = await join_user(lk_config, room_name, "hal")
        try:
            await wait_for(user.subscribed.is_set, 10)  # the session is up and publishing
            await lk.admin.delete_room(room_name)
            await wait_for(lambda: room.state is RoomState.CLOSED and not lk.sessions, 10)
            after = await lk.health()
        finally:
            await user.leave()
    assert before.status is HealthStatus.HEALTHY
    assert before.component("rooms").details["rooms"] == {room_name: "connected"}
    assert after.status is HealthStatus.DEGRADED and after.component("server").status is HealthStatus.HEALTHY
    assert after.component("rooms").details["rooms"] == {room_name: "closed"}
    assert events(logs["hal"])[-1] is RoomEvent.DISCONNECTED
