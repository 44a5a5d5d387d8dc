"""The stock voice agent served as `pipecat` (WebSocket) tells its LLM text in RTVI.

The agent's sentence aggregator and TTS consume the LLM tokens, so no token reaches the
output: `bot-llm-text` comes from the connection's graph observer (a probe on the
graph's links). Real engines: the local LLM, Piper, Whisper (loaded, unused: the
question is typed with `send-text`).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from tests.backends.pipecat_ws_client import PipecatWSClient
from voicegraph.backends.config import load_config
from voicegraph.backends.from_config import build_served

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def stock_pipecat_config() -> dict[str, Any]:
    return {
        "backend": {
            "provider": "pipecat",
            "options": {"transport": "websocket", "host": "127.0.0.1", "port": 0},
        },
        "graph": "voicegraph.graphs.voice_agent:build_voice_agent",
        "persistence": {"url": "memory://"},
        "health": {"enabled": False},
    }


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


async def read_until(client: PipecatWSClient, done: Any, timeout: float = 120.0) -> None:
    """Read until `done(messages)` holds for the RTVI messages received so far."""
    async with asyncio.timeout(timeout):
        while not done(client.received):
            await client.recv()


def reply_ended(messages: list[dict[str, Any]], after: int = 0) -> bool:
    """A reply begun after index `after` ended: its `bot-tts-stopped` then `bot-stopped-speaking`."""
    kinds = [m["type"] for m in messages[after:]]
    if "bot-tts-started" not in kinds:
        return False
    rest = kinds[kinds.index("bot-tts-started") :]
    return "bot-tts-stopped" in rest and "bot-stopped-speaking" in rest[rest.index("bot-tts-stopped") :]


async def serve_turns() -> dict[str, list[dict[str, Any]]]:
    """A plain turn, then a long reply cut by a typed question (`send-text` barges in)."""
    served = build_served(load_config(stock_pipecat_config(), env={}))
    await served.start()
    try:
        client = await PipecatWSClient.open(served.backend.transport.url)
        try:
            start = len(client.received)
            await client.say("What is the capital of France? Answer in one sentence.")
            await read_until(client, lambda m: reply_ended(m, start))
            turn = client.received[start:]
            start = len(client.received)
            await client.say("Tell me a long story about a dragon who lives in a castle.")
            await read_until(client, lambda m: "bot-started-speaking" in [x["type"] for x in m[start:]])
            await asyncio.sleep(0.5)  # a few words in, while the LLM still streams
            cut = len(client.received)
            await client.say("What is the capital of Italy?")
            await read_until(client, lambda m: "bot-interrupted" in [x["type"] for x in m[cut:]])
            await read_until(client, lambda m: reply_ended(m, cut + of(m[cut:], "bot-interrupted")[0]))
            return {"turn": turn, "barged": client.received[start:]}
        finally:
            await client.close()
    finally:
        await served.stop(10)


@pytest.fixture(scope="module")
def turns() -> dict[str, list[dict[str, Any]]]:
    return asyncio.run(serve_turns())


@pytest.fixture
def turn(turns: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return turns["turn"]


def of(messages: list[dict[str, Any]], kind: str) -> list[int]:
    return [i for i, m in enumerate(messages) if m["type"] == kind]


def test_bot_llm_text_concatenates_to_the_spoken_reply_before_the_bot_stops(
    turn: list[dict[str, Any]],
) -> None:
    llm = [m["data"]["text"] for m in turn if m["type"] == "bot-llm-text"]
    spoken = [m["data"]["text"] for m in turn if m["type"] == "bot-tts-text"]
    assert llm and spoken, [m["type"] for m in turn]
    assert words("".join(llm)) == words(" ".join(spoken)), (llm, spoken)
    assert words("".join(llm)), "the reply had words"  # which ones is the sampled model's choice
    stopped = of(turn, "bot-stopped-speaking")[-1]
    assert max(of(turn, "bot-llm-text")) < stopped


def test_bot_llm_started_and_stopped_enclose_the_text_once_each(turn: list[dict[str, Any]]) -> None:
    started, stopped, text = (
        of(turn, "bot-llm-started"),
        of(turn, "bot-llm-stopped"),
        of(turn, "bot-llm-text"),
    )
    assert len(started) == 1 and len(stopped) == 1, [m["type"] for m in turn]
    assert started[0] < min(text) and max(text) < stopped[0]
    assert started[0] < of(turn, "bot-tts-started")[0]


def test_no_llm_text_of_the_cut_reply_follows_bot_interrupted(turns: dict[str, list[dict[str, Any]]]) -> None:
    barged = turns["barged"]
    kinds = [m["type"] for m in barged]
    cut = kinds.index("bot-interrupted")
    # the answer to the typed question opens with its own bot-llm-started
    next_reply = cut + kinds[cut:].index("bot-llm-started")
    assert "bot-llm-text" not in kinds[cut:next_reply], kinds
    assert "bot-llm-text" in kinds[:cut], kinds  # the story was being told
    answer = "".join(m["data"]["text"] for m in barged[next_reply:] if m["type"] == "bot-llm-text")
    assert words(answer), "the typed question was answered"  # what it says is the sampled model's choice


def test_the_typed_question_is_one_final_user_transcription_before_the_reply(
    turn: list[dict[str, Any]],
) -> None:
    finals = [i for i in of(turn, "user-transcription") if turn[i]["data"]["final"]]
    assert len(finals) == 1, [m["type"] for m in turn]
    assert finals[0] < of(turn, "bot-llm-started")[0]
