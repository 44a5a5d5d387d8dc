"""The `daily` provider with `rtvi: true`: a spoken turn and a barge-in told to the
participant's RTVI client in app messages. Daily's REST API is faked locally and
daily-python's CallClient stood in for (tests/fakes/); the graph is real (Silero VAD,
Whisper, a scripted agent, eSpeak)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.fakes.daily_call_client import FakeDailyServer
from tests.fakes.daily_rest import FakeDailyRest
from tests.speech import synthesize, word_accuracy
from tests.transports.daily.agent_graphs import LONG_REPLY, SessionLog, voice_agent, wait_for
from voicegraph.backends.backend import Backend
from voicegraph.backends.providers.daily import DailyProvider, SessionDailyTransport
from voicegraph.transports.daily import DailyRestClient

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

QUESTION = "What is the weather like tomorrow?"
BARGE_IN = "Stop, stop, wait a moment please."
KEY = "daily-test-key"


def kinds(messages: list[Any]) -> list[str]:
    return [m.get("type", "") for m in messages if isinstance(m, dict) and m.get("label") == "rtvi-ai"]


async def converse() -> dict[str, Any]:
    """Alice's RTVI client: ready, a question, a barge-in; what each user received."""
    logs: dict[str, SessionLog] = {}
    async with FakeDailyRest(KEY) as rest:
        server = FakeDailyServer(rest)
        async with DailyRestClient(KEY, base_url=rest.base_url) as client:
            room = (await client.create_room("rtvi")).url
        options = {"room_url": room, "api_url": rest.base_url, "sdk": server.sdk, "rtvi": True}
        agent = voice_agent(logs, {"weather": LONG_REPLY})
        async with Backend(DailyProvider(), agent, options=options) as backend:
            transport = backend.transport
            assert isinstance(transport, SessionDailyTransport)
            alice, bob = server.room(room).add_user("alice"), server.room(room).add_user("bob")
            await wait_for(lambda: alice.id in transport.sessions and bob.id in transport.sessions, 5)
            ready = {"version": "2.1.0", "about": {"library": "@pipecat-ai/client-js"}}
            alice.send_app_message({"label": "rtvi-ai", "type": "client-ready", "id": "r1", "data": ready})
            await wait_for(lambda: "bot-ready" in kinds(alice.app_messages), 5)
            alice.say(synthesize(QUESTION))
            await wait_for(lambda: "bot-started-speaking" in kinds(alice.app_messages), 60)
            await asyncio.sleep(1.0)
            alice.say(synthesize(BARGE_IN))
            await wait_for(lambda: "bot-interrupted" in kinds(alice.app_messages), 20)
            await asyncio.sleep(1.0)
    return {"alice": list(alice.app_messages), "bob": list(bob.app_messages), "turns": logs["alice"].turns}


@pytest.fixture(scope="module")
def heard() -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DAILY_API_KEY", KEY)
        return asyncio.run(converse())


def test_the_spoken_question_is_a_final_user_transcription_event(heard: dict[str, Any]) -> None:
    finals = [m["data"]["text"] for m in heard["alice"] if m.get("type") == "user-transcription"
              and m["data"]["final"]]  # fmt: skip
    assert finals and word_accuracy(QUESTION, finals[0]) >= 0.8, finals


def test_the_turn_is_told_in_order(heard: dict[str, Any]) -> None:
    told = kinds(heard["alice"])
    order = ["bot-ready", "user-started-speaking", "user-stopped-speaking", "user-transcription",
             "bot-llm-started", "bot-llm-text", "bot-llm-stopped"]  # fmt: skip
    firsts = [told.index(k) for k in order]
    assert firsts == sorted(firsts), told
    # audio events come with the audio, after the reply began (their mutual order is the output's)
    assert told.index("bot-llm-started") < min(
        told.index("bot-tts-started"), told.index("bot-started-speaking")
    )


def test_the_barge_in_is_bot_interrupted_then_bot_stopped_speaking(heard: dict[str, Any]) -> None:
    told = kinds(heard["alice"])
    cut = told.index("bot-interrupted")
    assert told.index("bot-started-speaking") < cut
    assert "bot-stopped-speaking" in told[cut:], told
    answer_started = told.index("bot-llm-started", cut) if "bot-llm-started" in told[cut:] else len(told)
    assert "bot-llm-text" not in told[cut:answer_started], told


def test_the_other_participant_hears_none_of_it(heard: dict[str, Any]) -> None:
    assert kinds(heard["bob"]) == []
