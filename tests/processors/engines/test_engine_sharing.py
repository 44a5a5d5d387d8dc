"""Engines once per process, shared by sessions, kept alive, preloaded (issue 12, causes 1 and 6).

The stock graph is preloaded from a graph that never starts (as `voicegraph serve` does
with its dry run); sessions built later from the same spec then load nothing, two of
them at once answer a real spoken question, and the local LLM server outlives them.
Every engine is real: Silero, Whisper or PocketSphinx, SmolLM2 on llama.cpp, Piper or eSpeak.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TypeVar

import httpx
import pytest

from tests.memory_calls import reply_played
from tests.speech import normalize_words, with_pauses
from voicegraph.backends.graph_check import dry_run_graph
from voicegraph.framework.engine_registry import ENGINES
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.graph import Graph
from voicegraph.framework.runtime import Runtime
from voicegraph.graphs.voice_agent import (
    VoiceAgentOptions,
    build_voice_agent,
    spoken_format,
    voice_agent_spec,
)
from voicegraph.processors.agent.local_llm_node import LocalLLMNode
from voicegraph.processors.context.assistant_aggregator import AssistantAggregator
from voicegraph.processors.context.user_aggregator import UserAggregator
from voicegraph.processors.engines.engine_preload import preload_engines
from voicegraph.transports.memory_transport import MemoryTransport

pytestmark = pytest.mark.slow

CHUNK = 320  # 20 ms at 16 kHz
QUESTION = "What is the capital of France?"


@dataclass
class Session:
    conn: MemoryTransport
    graph: Graph


@dataclass
class Heard:
    user: list[str]
    bot: list[str]
    replied: bool


def new_session(options: VoiceAgentOptions) -> Session:
    spec = voice_agent_spec(options)
    conn = MemoryTransport(output_format=spoken_format(spec) or PCM16K)
    return Session(conn, build_voice_agent(conn, spec=spec))


async def talk(session: Session, text: str, *, lead_s: float = 0.3) -> Heard:
    """Speak `text` in real time (20 ms chunks), wait for the reply to play; what each side said."""
    pcm, _ = with_pauses([lead_s, text, 1.5], engine="piper")
    async with Runtime(session.graph, start_timeout=60.0) as rt:
        for i in range(0, len(pcm), CHUNK):
            await session.conn.send_audio(pcm[i : i + CHUNK].tobytes())
            await asyncio.sleep(0.02)
        replied = await reply_played(session.conn, timeout_s=45.0)
        bot = await assistant_words(session.graph, timeout_s=20.0)
        user = [
            m["content"] for m in node(session.graph, UserAggregator).context.history() if m["role"] == "user"
        ]
        await rt.cancel()
    return Heard(user=user, bot=bot, replied=replied)


T = TypeVar("T")


def node(graph: Graph, kind: type[T]) -> T:
    return next(p for p in graph.processors.values() if isinstance(p, kind))


async def assistant_words(graph: Graph, *, timeout_s: float) -> list[str]:
    """The bot's messages once the context holds one (it is added as the reply plays)."""
    context = node(graph, AssistantAggregator).context
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while loop.time() < deadline:
        said = [m["content"] for m in context.history() if m["role"] == "assistant" and m["content"]]
        if said:
            return said
        await asyncio.sleep(0.1)
    return []


def assert_heard(heard: Heard, *words: str) -> None:
    assert len(heard.user) == 1, heard.user
    assert set(words) <= set(normalize_words(heard.user[0])), heard.user
    assert heard.replied, "the reply never played"


@pytest.mark.timeout(300)
def test_preloaded_stock_graph_serves_two_sessions_at_once_without_loading_again() -> None:
    async def run() -> None:
        spent = await preload_engines(dry_run_graph(build_voice_agent), warm=True)
        assert {"vad", "stt", "agent", "tts"} <= set(spent)
        loads = ENGINES.loads()
        a, b = new_session(VoiceAgentOptions()), new_session(VoiceAgentOptions())
        first, second = await asyncio.gather(talk(a, QUESTION), talk(b, QUESTION, lead_s=0.6))
        for heard in (first, second):
            assert_heard(heard, "capital", "france")
            assert heard.bot and heard.bot[0].strip(), heard
        assert ENGINES.loads() == loads  # neither session loaded an engine

        server = node(a.graph, LocalLLMNode).shared_server()  # both sessions have ended
        assert server.running and ENGINES.loads() == loads
        async with httpx.AsyncClient(timeout=5) as http:
            assert (await http.get(server.base_url + "/models")).status_code == 200

        third = new_session(VoiceAgentOptions())
        async with Runtime(third.graph, start_timeout=60.0):
            assert node(third.graph, LocalLLMNode).endpoints[0].base_url == server.base_url
        assert ENGINES.loads() == loads

    asyncio.run(run())


@pytest.mark.timeout(240)
def test_two_pocketsphinx_sessions_at_once_each_hear_their_own_question() -> None:
    options = VoiceAgentOptions(
        stt="pocketsphinx", tts="espeak", agent="scripted", agent_params={"default": "Let me check."}
    )

    async def run() -> None:
        await preload_engines(dry_run_graph(lambda conn: build_voice_agent(conn, options)), warm=True)
        loads = ENGINES.loads()
        a, b = new_session(options), new_session(options)
        first, second = await asyncio.gather(
            talk(a, "What is the weather like in Paris tomorrow?"),
            talk(b, "Please book a table for four people tonight.", lead_s=0.5),
        )
        assert_heard(first, "weather", "paris", "tomorrow")
        assert_heard(second, "book", "table", "people", "tonight")
        assert not {"weather", "paris"} & set(normalize_words(second.user[0])), second.user
        assert not {"book", "table"} & set(normalize_words(first.user[0])), first.user
        assert ENGINES.loads() == loads

    asyncio.run(run())


def test_a_graph_without_engines_preloads_nothing() -> None:
    from voicegraph.processors.text.sentence_aggregator import SentenceAggregator

    graph = Graph.chain(SentenceAggregator())
    before = ENGINES.loads()
    assert asyncio.run(preload_engines(graph.build(), warm=True)) == {}
    assert ENGINES.loads() == before
