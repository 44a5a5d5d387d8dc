"""Pipecat's OpenAILLMService in a PipecatService node, on voicegraph's OpenAI-compatible fake."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

import pytest

from tests.fakes.openai_chat import FakeOpenAIChatServer, FakeReply, FakeToolCall
from tests.processors.pipecat_service.services import openai_llm
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.bus import ErrorEvent
from voicegraph.framework.errors import ErrorCode
from voicegraph.framework.frames import (
    LLMMessagesFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
)
from voicegraph.processors.agent.tool_call_frame import LLMToolCallFrame

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]
MESSAGES = ({"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"})


def ask() -> LLMMessagesFrame:
    return LLMMessagesFrame(messages=MESSAGES)  # a new frame per push: the runtime stamps its epoch


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _text(frames: Sequence[object]) -> str:
    return "".join(f.text for f in frames if isinstance(f, LLMTextFrame))


async def test_the_context_goes_to_the_model_and_the_reply_streams_back() -> None:
    async with FakeOpenAIChatServer() as server:
        server.script(FakeReply(texts=("Hello", " there", "!")))
        llm = openai_llm(server.base_url)
        async with Runtime(Graph.chain(llm)) as rt:
            out = rt.collect()
            await rt.push(ask())
            await rt.end()
    assert llm.kind == "llm"
    body = server.requests[0].body
    assert body["model"] == "fake-model" and body["stream"] is True
    assert [m["content"] for m in body["messages"]] == ["Be brief.", "Hi"]
    assert _text(out) == "Hello there!"
    kinds = [type(f) for f in out if isinstance(f, LLMResponseStartFrame | LLMResponseEndFrame)]
    assert kinds == [LLMResponseStartFrame, LLMResponseEndFrame]


async def test_barge_in_cancels_the_stream_and_no_old_text_follows() -> None:
    async with FakeOpenAIChatServer() as server:
        slow = FakeReply(texts=tuple(f" word{i}" for i in range(40)), chunk_delay_s=0.05)
        server.script(slow, FakeReply(texts=("Okay.",)))
        llm = openai_llm(server.base_url)
        async with Runtime(Graph.chain(llm)) as rt:
            out = rt.collect()
            streaming = asyncio.Event()
            rt.on_output(lambda f, _: streaming.set() if "word3" in getattr(f, "text", "") else None)
            await rt.push(ask())
            await asyncio.wait_for(streaming.wait(), 10)
            await rt.interrupt("barge-in")
            mark = len(out)
            await asyncio.sleep(0.4)  # the old stream would have gone on meanwhile
            await rt.push(ask())
            await rt.end()
    assert llm.interruptions == 1
    assert "word39" not in _text(out), "the old stream was cut"
    assert _text(out[mark:]) == "Okay."
    assert sum(isinstance(f, LLMResponseEndFrame) for f in out[mark:]) == 1


async def test_tools_reach_the_model_and_its_calls_come_back_as_a_tool_call_frame() -> None:
    params = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    tool = {
        "type": "function",
        "function": {"name": "get_weather", "description": "Weather", "parameters": params},
    }
    async with FakeOpenAIChatServer() as server:
        call = FakeToolCall(name="get_weather", fragments=('{"city": ', '"Paris"}'), id="call_1")
        server.script(FakeReply(texts=(), tool_calls=(call,)), FakeReply(texts=("Sunny.",)))
        llm = openai_llm(server.base_url)
        async with Runtime(Graph.chain(llm)) as rt:
            out = rt.collect()
            await rt.push(LLMMessagesFrame(messages=MESSAGES, tools=(tool,)))
            await rt.end()
    sent_tools = server.requests[0].body["tools"]
    assert [t["function"]["name"] for t in sent_tools] == ["get_weather"]
    assert sent_tools[0]["function"]["parameters"]["required"] == ["city"]
    calls = [c for f in out if isinstance(f, LLMToolCallFrame) for c in f.calls]
    assert [(c.id, c.name, c.parsed_arguments()) for c in calls] == [
        ("call_1", "get_weather", {"city": "Paris"})
    ]


async def test_a_refused_key_reaches_the_bus_as_a_coded_error() -> None:
    async with FakeOpenAIChatServer(api_key="the-right-key") as server:
        llm = openai_llm(server.base_url)
        async with Runtime(Graph.chain(llm)) as rt:
            errors: list[ErrorEvent] = []
            rt.bus.subscribe(errors.append, ErrorEvent)
            out = rt.collect()
            await rt.push(ask())
            await rt.end()
    assert errors and errors[0].node == llm.name
    assert errors[0].error.code is ErrorCode.AUTHENTICATION_FAILED
    assert _text(out) == ""


async def test_with_voicegraph_tools_the_call_runs_and_the_model_answers_with_its_result() -> None:
    from voicegraph.processors.agent.tool import tool

    @tool
    def get_weather(city: str) -> dict[str, str]:
        """The weather in a city."""
        return {"city": city, "sky": "sunny"}

    async with FakeOpenAIChatServer() as server:
        call = FakeToolCall(name="get_weather", fragments=('{"city": ', '"Paris"}'), id="call_1")
        server.script(FakeReply(texts=(), tool_calls=(call,)), FakeReply(texts=("Sunny in Paris.",)))
        llm = openai_llm(server.base_url, tools=[get_weather])
        async with Runtime(Graph.chain(llm)) as rt:
            out = rt.collect()
            done = asyncio.Event()
            rt.on_output(lambda f, _: done.set() if "Paris" in getattr(f, "text", "") else None)
            await rt.push(ask())
            await asyncio.wait_for(done.wait(), 10)
            await rt.end()
    first, second = (r.body for r in server.requests)
    assert [t["function"]["name"] for t in first["tools"]] == ["get_weather"], "the schema went to the model"
    round_ = [f for f in out if isinstance(f, LLMToolCallFrame)]
    assert len(round_) == 1 and round_[0].results[0].ok
    assert json.loads(round_[0].results[0].content) == {"city": "Paris", "sky": "sunny"}
    tool_msg = second["messages"][-1]
    assert (
        tool_msg["role"] == "tool" and tool_msg["tool_call_id"] == "call_1" and "sunny" in tool_msg["content"]
    )
    assert second["messages"][-2]["tool_calls"][0]["function"]["name"] == "get_weather"
    assert _text(out) == "Sunny in Paris."
