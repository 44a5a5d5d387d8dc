"""FallbackLLM: the OpenAI-compatible node (against the fake, with faults) first, a
scripted agent (local) second."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any

import pytest

from tests.fakes.openai_chat import FakeOpenAIChatServer, FakeReply
from tests.processors.fallback.waiting import until
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.frames import (
    Frame,
    LLMMessagesFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
)
from voicegraph.processors.agent import LLMNode
from voicegraph.processors.agent.scripted_agent import ScriptedAgent
from voicegraph.processors.fallback import FallbackLLM

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]
RULES = {"weather": "It is sunny today.", "name": "I am the backup agent."}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def server() -> AsyncIterator[FakeOpenAIChatServer]:
    async with FakeOpenAIChatServer(api_key="sk-test") as srv:
        yield srv


def chain(base_url: str, **options: Any) -> FallbackLLM:
    primary = LLMNode(base_url=base_url, model="fake", api_key="sk-test", retry={"max_attempts": 1},
                      timeouts={"connect_s": 1.0})  # fmt: skip
    backup = ScriptedAgent(rules=RULES)
    return FallbackLLM(engines=[primary, backup], name="llm", **options)


def ask(text: str) -> LLMMessagesFrame:
    return LLMMessagesFrame(messages=({"role": "user", "content": text},))


async def turn(rt: Runtime, out: list[Frame], text: str) -> list[Frame]:
    first = len(out)
    await rt.push(ask(text))
    await until(lambda: any(isinstance(f, LLMResponseEndFrame) for f in out[first:]), what="reply end")
    return out[first:]


def said(frames: list[Frame]) -> str:
    return "".join(f.text for f in frames if isinstance(f, LLMTextFrame))


def shape(frames: list[Frame]) -> list[str]:
    kinds = (LLMResponseStartFrame, LLMResponseEndFrame)
    return [type(f).__name__ for f in frames if isinstance(f, kinds)]


ONE_REPLY = ["LLMResponseStartFrame", "LLMResponseEndFrame"]


async def test_a_500_before_any_token_gets_the_same_request_answered_by_the_next_engine(
    server: FakeOpenAIChatServer,
) -> None:
    server.script(FakeReply(status=500), FakeReply(status=500))
    llm = chain(server.base_url, probe_interval_s=30.0, max_probe_interval_s=30.0)
    async with Runtime(Graph.chain(llm)) as rt:
        out = rt.collect()
        one = await turn(rt, out, "what is the weather?")
        two = await turn(rt, out, "what is your name?")
    assert shape(one) == shape(two) == ONE_REPLY
    assert said(one) == "It is sunny today." and said(two) == "I am the backup agent."
    assert llm.chain.health[0].last_error and llm.chain.switches == 1


async def test_a_refused_connection_moves_to_the_next_engine() -> None:
    with socket.socket() as s:  # a port nothing listens on: connection refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    llm = chain(f"http://127.0.0.1:{port}/v1", probe_interval_s=30.0, max_probe_interval_s=30.0)
    async with Runtime(Graph.chain(llm)) as rt:
        out = rt.collect()
        one = await turn(rt, out, "what is the weather?")
    assert shape(one) == ONE_REPLY and said(one) == "It is sunny today."
    assert llm.chain.health[0].last_error == "connection_failed"


async def test_a_stalled_stream_times_out_and_the_next_engine_answers(server: FakeOpenAIChatServer) -> None:
    server.script(FakeReply(texts=("Too", " late"), first_delay_s=20.0))
    llm = chain(server.base_url, attempt_timeout_s=1.0, probe_interval_s=30.0, max_probe_interval_s=30.0)
    async with Runtime(Graph.chain(llm)) as rt:
        out = rt.collect()
        one = await turn(rt, out, "what is the weather?")
    assert shape(one) == ONE_REPLY and said(one) == "It is sunny today."
    assert llm.chain.health[0].last_error == "timeout"
    assert llm.switch_ms and llm.switch_ms[0] < 1000


async def test_a_stream_cut_after_tokens_ends_the_reply_cleanly_and_the_next_turn_switches(
    server: FakeOpenAIChatServer,
) -> None:
    server.script(FakeReply(texts=("The", " forecast", " says", " rain"), disconnect_after=2))
    llm = chain(server.base_url, probe_interval_s=30.0, max_probe_interval_s=30.0)
    async with Runtime(Graph.chain(llm)) as rt:
        out = rt.collect()
        one = await turn(rt, out, "what is the weather?")
        two = await turn(rt, out, "what is your name?")
    assert shape(one) == shape(two) == ONE_REPLY  # the cut reply still ends once
    assert said(one) == "The forecast"  # what went out stays; nothing is said twice
    assert said(two) == "I am the backup agent."
    assert len(server.requests) == 1


async def test_the_recovered_engine_answers_the_next_turn(server: FakeOpenAIChatServer) -> None:
    server.script(FakeReply(status=503))
    llm = chain(server.base_url, probe_interval_s=0.2, max_probe_interval_s=0.4)
    async with Runtime(Graph.chain(llm)) as rt:
        out = rt.collect()
        one = await turn(rt, out, "what is the weather?")
        await until(lambda: llm.chain.health[0].state == "healthy", what="recovery")
        server.script(FakeReply(texts=("Primary", " again.")))
        two = await turn(rt, out, "what is your name?")
    assert said(one) == "It is sunny today." and said(two) == "Primary again."
    assert llm.snapshot()["active"] == "llm.0:LLMNode"
    assert llm.chain.health[0].recoveries == 1 and llm.chain.switches == 2
