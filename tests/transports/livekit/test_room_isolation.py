"""Two users in two rooms at once: each talks to their own session and hears only their reply."""

from __future__ import annotations

import asyncio

import pytest

from tests.speech import synthesize
from voicegraph.transports.livekit import LiveKitConfig, LiveKitTransport

from .conftest import join_user
from .sim_user import SimUser, converse, wait_for
from .voice_agent import SessionLog, voice_agent

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.timeout(120)]

RULES = {
    "weather": "It will be sunny.",  # about 1 s of speech
    "train": "The next train leaves at noon from platform nine, right after the express to the airport.",
}
ASKS = {"iris": "What is the weather like tomorrow?", "jack": "When does the next train leave?"}


async def ask(user: SimUser, question: str) -> None:
    await wait_for(user.subscribed.is_set, 15)
    await converse(user, synthesize(question))


def loud_seconds(user: SimUser) -> float:
    return len(user.heard.loud_times()) / 100


async def test_two_users_in_two_rooms_get_isolated_sessions(lk_config: LiveKitConfig) -> None:
    logs: dict[str, SessionLog] = {}
    rooms = {"iris": "room-iris", "jack": "room-jack"}
    async with LiveKitTransport(lk_config, voice_agent(logs, RULES)) as lk:
        for room in rooms.values():
            await lk.join(room)
        users = [await join_user(lk_config, rooms[name], name) for name in ASKS]
        try:
            await asyncio.gather(*(ask(u, ASKS[u.identity]) for u in users))
            sessions = {(c.room, c.identity): c.session_id for c in lk.sessions.values()}
        finally:
            for u in users:
                await u.leave()
    assert set(sessions) == {("room-iris", "iris"), ("room-jack", "jack")}
    assert len(set(sessions.values())) == 2
    (iris_turn,) = logs["iris"].turns
    (jack_turn,) = logs["jack"].turns
    assert "weather" in iris_turn.lower() and "train" not in iris_turn.lower(), iris_turn
    assert "train" in jack_turn.lower() and "weather" not in jack_turn.lower(), jack_turn
    played = {name: " ".join(r.text_played for r in logs[name].replies).lower() for name in ASKS}
    assert "sunny" in played["iris"] and "train" not in played["iris"], played
    assert "train" in played["jack"] and "sunny" not in played["jack"], played
    heard = {u.identity: loud_seconds(u) for u in users}  # each hears only their own reply
    assert 0.5 < heard["iris"] < 2.0 and heard["jack"] > 3.0, heard
