"""Agent reasoning before speech: an agent node steers the realtime model each turn, then it speaks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from tests.fakes.openai_chat import FakeOpenAIChatServer, FakeReply
from tests.fakes.openai_realtime_server import FakeRealtimeServer, RealtimeScript, ScriptedTurn
from tests.processors.s2s.s2s_helpers import audio_out, of_type, push_utterance
from voicegraph.framework import ErrorCode, Graph, Outbox, Processor, Runtime, VoiceError, handles
from voicegraph.framework.frames import Frame, OutputAudioFrame, TranscriptFrame
from voicegraph.processors.agent import Endpoint, OpenAIChatClient
from voicegraph.processors.audio import Gain
from voicegraph.processors.s2s import OpenAIRealtimeS2S, S2SAdvice, S2SAdvisor, chat_advice

pytestmark = pytest.mark.anyio

SCRIPT = RealtimeScript([ScriptedTurn(reply="We open at nine.", transcript="when do you open")])
FACT = "The shop opens at nine."


class FrameTap(Processor):
    """A custom processor after the agent: records what passes."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Frame] = []

    @handles
    async def on_frame(self, frame: Frame, out: Outbox) -> None:
        self.seen.append(frame)
        await out.send(frame)


@dataclass
class Run:
    server: FakeRealtimeServer
    chat: FakeOpenAIChatServer
    out: list[Frame]
    tap: FrameTap


async def retrieve(query: str) -> list[str]:
    return [FACT] if "open" in query else []


@pytest.fixture
async def run() -> AsyncIterator[Run]:
    """Gain -> S2S (agent decides) -> advisor (chat LLM + retrieval) -> tap, one spoken turn."""
    async with FakeRealtimeServer(SCRIPT) as server, FakeOpenAIChatServer() as chat:
        chat.script(FakeReply(texts=("Answer briefly", " and cheerfully.")))
        async with OpenAIChatClient(Endpoint(base_url=chat.base_url, model="fake")) as client:
            advise = chat_advice(client, retrieve=retrieve, base_instructions="You are a shop assistant.")
            node = OpenAIRealtimeS2S(
                url=server.url, api_key=None, auto_respond=False, transcription_model="gpt-4o-mini-transcribe"
            )
            tap = FrameTap()
            async with Runtime(Graph.chain(Gain(gain=1.0), node, S2SAdvisor(advise), tap)) as rt:
                out = rt.collect()
                await push_utterance(rt, "when do you open")
                await server.wait_for(lambda: any(r.status == "completed" for r in server.responses))
        yield Run(server, chat, out, tap)


def steering(server: FakeRealtimeServer) -> list[dict[str, object]]:
    """Client events after the first session.update, audio and the closing marker left out."""
    events = [e for e in server.events()[1:] if e["type"] != "input_audio_buffer.append"]
    return events[:-1] if events and events[-1]["type"] == "session.update" else events


async def test_the_model_speaks_only_after_instructions_and_context_arrived(run: Run) -> None:
    assert [e["type"] for e in steering(run.server)] == [
        "session.update", "conversation.item.create", "response.create",
    ]  # fmt: skip


async def test_the_turn_instructions_come_from_the_chat_model(run: Run) -> None:
    update = steering(run.server)[0]
    assert update["session"] == {
        "type": "realtime", "instructions": "You are a shop assistant.\nAnswer briefly and cheerfully.",
    }  # fmt: skip
    (request,) = run.chat.requests
    assert request.body["messages"][-1] == {"role": "user", "content": "when do you open"}
    assert FACT in request.body["messages"][1]["content"]


async def test_retrieved_context_is_added_to_the_models_conversation(run: Run) -> None:
    item = steering(run.server)[1]["item"]
    assert item == {"type": "message", "role": "system", "content": [{"type": "input_text", "text": FACT}]}


async def test_processors_after_the_agent_see_the_transcript_and_the_reply_audio(run: Run) -> None:
    assert [f.text for f in of_type(run.tap.seen, TranscriptFrame) if f.final] == ["when do you open"]
    assert audio_out(run.tap.seen) == audio_out(run.out) == bytes(run.server.responses[0].audio)


async def test_an_agent_before_the_s2s_node_steers_it_downstream() -> None:
    async def advise(text: str) -> S2SAdvice:
        return S2SAdvice(context=(f"User asked: {text}",), reply_instructions="Be short.")

    async with FakeRealtimeServer(SCRIPT) as server:
        node = OpenAIRealtimeS2S(url=server.url, api_key=None, auto_respond=False)
        async with Runtime(Graph.chain(S2SAdvisor(advise, upstream=False), node)) as rt:
            out = rt.collect()
            await rt.push(TranscriptFrame(text="when do you open"))
            await server.wait_for(lambda: any(r.status == "completed" for r in server.responses))
    assert server.events("response.create") == [
        {"type": "response.create", "response": {"instructions": "Be short."}}
    ]
    assert server.responses[0].instructions == "Be short."
    assert of_type(out, OutputAudioFrame)


async def test_an_advise_step_can_be_named_by_import_string_for_graph_specs() -> None:
    advisor = S2SAdvisor("tests.processors.s2s.test_s2s_agent_variant:retrieve")
    assert advisor.turns == 0


def test_an_import_string_that_names_nothing_is_invalid_config() -> None:
    with pytest.raises(VoiceError) as info:
        S2SAdvisor("tests.processors.s2s.test_s2s_agent_variant:nothing_here")
    assert info.value.code is ErrorCode.INVALID_CONFIG
