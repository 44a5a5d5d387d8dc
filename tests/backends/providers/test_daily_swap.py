"""Provider swap, the Daily part: one config and one speech graph, served as `memory` and as
`daily` (REST fake + CallClient stand-in) by changing only the provider block, answer alike."""

from __future__ import annotations

import asyncio
import copy
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fakes.daily_call_client import FakeDailyServer
from tests.fakes.daily_rest import FakeDailyRest
from tests.speech import normalize_words, synthesize, word_accuracy
from tests.transports.daily.agent_graphs import wait_for
from voicegraph.backends.config import load_config
from voicegraph.backends.from_config import build_served
from voicegraph.framework.frames import BotTextFrame, LLMResponseEndFrame, TranscriptFrame
from voicegraph.processors.stt.whisper_engine import WhisperEngine
from voicegraph.transports.daily.participant_tracks import track_name
from voicegraph.transports.memory_transport import MemoryTransport

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.timeout(120)]

QUESTION = "What is the weather like tomorrow?"
EXAMPLE = Path(__file__).resolve().parents[3] / "voicegraph/backends/serve_voice_agent_daily.yaml"
SPEECH_ECHO: dict[str, Any] = {
    "name": "speech-echo",
    "nodes": [
        {"id": "vad", "type": "vad", "params": {"engine": "silero", "interrupt_on_speech": True}},
        {"id": "turn", "type": "silence_turn_detector", "params": {"min_delay": 0.5}},
        {"id": "stt", "type": "whisper_stt"},
        {"id": "agent", "type": "echo_agent", "params": {"prefix": "You said:"}},
        {"id": "sentences", "type": "sentence_aggregator"},
        {"id": "tts", "type": "espeak_tts"},
    ],
}
"""Speech in, the echo agent's words spoken back: what every provider serves here."""


def _config(backend: dict[str, Any]) -> dict[str, Any]:
    """The example Daily config with the speech echo graph, and `backend` swapped in."""
    config = yaml.safe_load(EXAMPLE.read_text())
    config = copy.deepcopy({**config, "graph": SPEECH_ECHO, "engines": {"preload": False}})
    config["backend"] = backend
    config["health"] = {"enabled": False}
    return config


async def test_the_same_graph_answers_alike_in_memory_and_in_a_daily_room(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    served = build_served(load_config(_config({"provider": "memory", "options": {}}), env={}))
    await served.start()
    try:
        client = await served.backend.transport.connect()
        await client.send_frame(TranscriptFrame(text=QUESTION))
        memory_reply = await _spoken_words(client)
        await client.end()
    finally:
        await served.stop(5)

    monkeypatch.setenv("DAILY_API_KEY", "swap-key")
    async with FakeDailyRest("swap-key") as rest:
        server = FakeDailyServer(rest)
        example = yaml.safe_load(EXAMPLE.read_text())["backend"]
        example["options"].pop("room_url")
        example["options"].update(create_room="swap", api_url=rest.base_url, sdk=server.sdk)
        served = build_served(load_config(_config(example), env={}))
        await served.start()
        try:
            room = server.room(rest.rooms["swap"]["url"])
            user = room.add_user("caller")
            await wait_for(lambda: served.backend.transport.sessions, 5)
            spoken_end = user.say(synthesize(QUESTION))
            track = room.track(track_name(user.id))
            await wait_for(lambda: len(track.loud_times(spoken_end)) >= 60, 40)
            await wait_for(lambda: _quiet_after_reply(track.chunks, spoken_end), 20)
            daily_reply = WhisperEngine().transcribe(track.audio(spoken_end)).text
        finally:
            await served.stop(5)
    assert normalize_words(memory_reply) == normalize_words(f"You said: {QUESTION} (turn 1)")
    assert word_accuracy(memory_reply, daily_reply) >= 0.7, (memory_reply, daily_reply)


def _quiet_after_reply(chunks: list[tuple[int, bytes]], after_ns: int) -> bool:
    """The reply started after `after_ns` and nothing was written for 1 s (it is over)."""
    return bool(chunks) and chunks[-1][0] > after_ns and chunks[-1][0] < time.monotonic_ns() - 1_000_000_000


async def _spoken_words(client: MemoryTransport) -> str:
    """The words of the next reply as played (`BotTextFrame`s up to the reply's end)."""
    words: list[str] = []
    async with asyncio.timeout(30):
        while not isinstance(frame := await client.next_output(), LLMResponseEndFrame):
            if isinstance(frame, BotTextFrame):
                words.append(frame.text)
    return "".join(words)
