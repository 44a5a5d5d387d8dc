"""Pipecat's OpenAI Realtime service (speech to speech) in a PipecatService node, on
voicegraph's fake realtime server (which speaks OpenAI's GA realtime protocol)."""

from __future__ import annotations

import asyncio

import pytest

from tests.fakes.openai_realtime_server import FakeRealtimeServer, RealtimeScript, ScriptedTurn
from tests.processors.s2s.s2s_helpers import audio_out, of_type, push_utterance
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.frames import Frame, LLMTextFrame, OutputAudioFrame, TranscriptFrame
from voicegraph.processors.pipecat_service import PipecatService

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(90)]
REALTIME = "pipecat.services.openai.realtime.llm.OpenAIRealtimeLLMService"
EVENTS = "pipecat.services.openai.realtime.events"
REPLY = "Sure, I can help with that."
LONG = " ".join(["The planets go round the sun, one after another, each in its own time."] * 6)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def realtime(url: str) -> PipecatService:
    """Pipecat's realtime service on the fake, with input transcription turned on (nested
    `{class, args}` values inside `settings`, as YAML gives them)."""
    session = {"class": f"{EVENTS}.SessionProperties", "args": {"audio": {"input": {"transcription": {}}}}}
    args = {"api_key": "sk-fake", "base_url": url.split("?")[0], "settings": {"session_properties": session}}
    return PipecatService(service=REALTIME, args=args, input_rate=24000, sample_rate=24000)


async def test_a_spoken_turn_gives_the_models_speech_its_text_and_the_users_words() -> None:
    script = RealtimeScript([ScriptedTurn(reply=REPLY, transcript="can you help me")])
    async with FakeRealtimeServer(script) as server:
        node = realtime(server.url)
        async with Runtime(Graph.chain(node)) as rt:
            out: list[Frame] = rt.collect()
            await push_utterance(rt, "can you help me")
            await server.wait_for(lambda: "".join(f.text for f in of_type(out, LLMTextFrame)) == REPLY, 20)
            await server.wait_for(lambda: bool(of_type(out, TranscriptFrame)), 20)
    assert node.kind == "realtime"
    update = server.events("session.update")[0]["session"]
    assert update["type"] == "realtime" and "transcription" in update["audio"]["input"]
    assert len(audio_out(out)) > 24000 * 2 * 0.5, "at least half a second of the model's speech"
    assert [f.text for f in of_type(out, TranscriptFrame) if f.final] == ["can you help me"]


async def test_an_interruption_cancels_the_response_and_no_audio_of_it_follows() -> None:
    script = RealtimeScript([ScriptedTurn(reply=LONG, transcript="tell me"), ScriptedTurn(reply=REPLY)])
    async with FakeRealtimeServer(script) as server:
        node = realtime(server.url)
        async with Runtime(Graph.chain(node)) as rt:
            out: list[Frame] = rt.collect()
            await push_utterance(rt, "tell me about the planets")
            await server.wait_for(lambda: len(audio_out(out)) > 24000 * 2 * 0.3, 20)
            await rt.interrupt("barge-in")
            cut = len(out)
            await asyncio.sleep(1.0)
            after = out[cut:]
            await push_utterance(rt, "can you help me")
            await server.wait_for(lambda: REPLY in "".join(f.text for f in of_type(out, LLMTextFrame)), 20)
    assert node.interruptions == 1
    assert not of_type(after, OutputAudioFrame), "no audio of the interrupted response after the cut"
    assert server.events("response.cancel") or server.events("conversation.item.truncate")
    heard = "".join(f.text for f in of_type(out, LLMTextFrame))
    assert heard.endswith(REPLY) and LONG not in heard, "the next turn is answered; the long one was cut"
