"""LLMNode runs the model's tool calls against the fake OpenAI server and feeds the results back."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.fakes.openai_chat import FakeOpenAIChatServer, FakeReply, FakeToolCall
from voicegraph.framework import CustomEvent, ErrorCode, Graph, Runtime
from voicegraph.framework.frames import (
    Frame,
    LLMMessagesFrame,
    LLMResponseEndFrame,
    LLMTextFrame,
    MetricsFrame,
    TranscriptFrame,
)
from voicegraph.processors.agent import (
    EndCallFrame,
    LLMNode,
    LLMToolCallFrame,
    ToolContext,
    TransferCallFrame,
)
from voicegraph.processors.context import AssistantAggregator, ConversationContext, UserAggregator

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(20)]

ASK = LLMMessagesFrame(messages=({"role": "user", "content": "weather in Oslo?"},))


def weather(city: str) -> dict[str, Any]:
    """Current weather for a city."""
    return {"city": city, "temp_c": 21}


async def slow_lookup(q: str) -> str:
    """A lookup that hangs."""
    await asyncio.sleep(10)
    return q


def end_call(reason: str, ctx: ToolContext) -> str:
    """Hang up."""
    ctx.end_call(reason)
    return "the call will end after your goodbye"


def transfer(department: str, ctx: ToolContext) -> str:
    """Transfer to a human."""
    ctx.transfer_call(f"sip:{department}@example.invalid", reason="asked for a human")
    return "transferring"


@pytest.fixture
async def server() -> AsyncIterator[FakeOpenAIChatServer]:
    async with FakeOpenAIChatServer() as srv:
        yield srv


def _call(name: str, args: dict[str, Any], call_id: str = "call_a") -> FakeReply:
    return FakeReply(texts=(), tool_calls=(FakeToolCall(name, (json.dumps(args),), id=call_id),))


def _node(srv: FakeOpenAIChatServer, **kw: Any) -> LLMNode:
    return LLMNode(base_url=srv.base_url, model="fake", retry={"max_attempts": 1}, **kw)


def _texts(out: list[Frame]) -> str:
    return "".join(f.text for f in out if isinstance(f, LLMTextFrame))


async def test_a_tool_call_is_run_and_its_result_sent_back_for_the_answer(
    server: FakeOpenAIChatServer,
) -> None:
    server.script(_call("weather", {"city": "Oslo"}), FakeReply(texts=("It is", " 21 degrees.")))
    async with Runtime(Graph.chain(_node(server, tools=[weather]))) as rt:
        out = rt.collect()
        await rt.push(ASK)
    first, second = (r.body for r in server.requests)
    assert first["tools"][0]["function"]["name"] == "weather"
    assert second["messages"][1:] == [
        {"role": "assistant", "content": None, "tool_calls": [{
            "id": "call_a", "type": "function",
            "function": {"name": "weather", "arguments": '{"city": "Oslo"}'},
        }]},
        {"role": "tool", "tool_call_id": "call_a", "content": '{"city": "Oslo", "temp_c": 21}'},
    ]  # fmt: skip
    assert _texts(out) == "It is 21 degrees."
    (frame,) = [f for f in out if isinstance(f, LLMToolCallFrame)]
    assert frame.results[0].ok and frame.messages == tuple(second["messages"][1:])


async def test_one_reply_spans_its_tool_steps_with_usage_summed(server: FakeOpenAIChatServer) -> None:
    server.script(_call("weather", {"city": "Oslo"}), FakeReply(texts=("Sunny.",)))
    async with Runtime(Graph.chain(_node(server, tools=[weather]))) as rt:
        out = rt.collect()
        await rt.push(ASK)
    kinds = [type(f).__name__ for f in out if not isinstance(f, MetricsFrame)]
    assert kinds == [
        "LLMResponseStartFrame",
        "LLMToolCallFrame",
        "LLMTextFrame",
        "LLMResponseEndFrame",
        "EndFrame",
    ]
    end = next(f for f in out if isinstance(f, LLMResponseEndFrame))
    assert end.usage == {"prompt_tokens": 14, "completion_tokens": 3, "total_tokens": 17}


async def test_tool_rounds_stop_at_the_step_limit(server: FakeOpenAIChatServer) -> None:
    server.default = _call("weather", {"city": "Oslo"})
    async with Runtime(Graph.chain(_node(server, tools=[weather], max_tool_steps=2))) as rt:
        out = rt.collect()
        await rt.push(ASK)
    frames = [f for f in out if isinstance(f, LLMToolCallFrame)]
    assert len(server.requests) == 3
    assert [len(f.results) for f in frames] == [1, 1, 0]  # the third round is reported, not run
    assert any(isinstance(f, LLMResponseEndFrame) for f in out)


async def test_a_tool_past_its_deadline_is_reported_to_the_model_as_a_timeout(
    server: FakeOpenAIChatServer,
) -> None:
    server.script(_call("slow_lookup", {"q": "x"}), FakeReply(texts=("Sorry, that took too long.",)))
    async with Runtime(Graph.chain(_node(server, tools=[slow_lookup], tool_timeout_s=0.2))) as rt:
        out = rt.collect()
        await rt.push(ASK)
    (frame,) = [f for f in out if isinstance(f, LLMToolCallFrame)]
    assert frame.results[0].error == ErrorCode.TIMEOUT
    assert "timed out" in server.requests[1].body["messages"][-1]["content"]
    assert _texts(out) == "Sorry, that took too long."


async def test_a_tool_can_end_the_call_after_the_goodbye(server: FakeOpenAIChatServer) -> None:
    server.script(_call("end_call", {"reason": "resolved"}), FakeReply(texts=("Goodbye!",)))
    events: list[CustomEvent] = []
    async with Runtime(Graph.chain(_node(server, tools=[end_call]))) as rt:
        rt.bus.subscribe(events.append, CustomEvent)
        out = rt.collect()
        await rt.push(ASK)
    kinds = [type(f).__name__ for f in out if not isinstance(f, MetricsFrame)]
    assert kinds[-4:] == ["LLMTextFrame", "LLMResponseEndFrame", "EndCallFrame", "EndFrame"]
    assert next(f for f in out if isinstance(f, EndCallFrame)).reason == "resolved"
    assert [(e.name, e.payload) for e in events] == [("end_call", {"reason": "resolved"})]


async def test_a_tool_can_transfer_the_call(server: FakeOpenAIChatServer) -> None:
    server.script(_call("transfer", {"department": "sales"}), FakeReply(texts=("Connecting you now.",)))
    async with Runtime(Graph.chain(_node(server, tools=[transfer]))) as rt:
        out = rt.collect()
        await rt.push(ASK)
    (frame,) = [f for f in out if isinstance(f, TransferCallFrame)]
    assert frame.target == "sip:sales@example.invalid"


async def test_the_context_keeps_the_tool_round_before_the_answer(server: FakeOpenAIChatServer) -> None:
    server.script(
        _call("weather", {"city": "Oslo"}), FakeReply(texts=("21 degrees.",)), FakeReply(texts=("Yes.",))
    )
    context = ConversationContext(system_prompt="You know the weather.")
    graph = Graph.chain(
        UserAggregator(context=context),
        _node(server, tools=[weather]),
        AssistantAggregator(context=context, commit_on="generated"),
    )
    async with Runtime(graph) as rt:
        out = rt.collect()
        await rt.push(TranscriptFrame(text="weather in Oslo?"))
        for _ in range(1000):
            if any(isinstance(f, LLMResponseEndFrame) for f in out):
                break
            await asyncio.sleep(0.005)
        await rt.push(TranscriptFrame(text="is that warm?"))
    roles = [m["role"] for m in server.requests[2].body["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert server.requests[2].body["messages"][4]["content"] == "21 degrees."
