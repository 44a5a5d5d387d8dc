"""LLMNode in a real Graph/Runtime against the fake OpenAI-compatible server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.fakes.openai_chat import FakeOpenAIChatServer, FakeReply, FakeToolCall
from voicegraph.framework import ErrorCode, Graph, Runtime
from voicegraph.framework.frames import (
    Frame,
    LLMMessagesFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    MetricsFrame,
)
from voicegraph.processors.agent import LLMNode, LLMToolCallFrame, ToolCall

pytestmark = pytest.mark.anyio

ASK = LLMMessagesFrame(messages=({"role": "user", "content": "hello?"},))


@pytest.fixture
async def server() -> AsyncIterator[FakeOpenAIChatServer]:
    async with FakeOpenAIChatServer(api_key="sk-node") as srv:
        yield srv


def _node(srv: FakeOpenAIChatServer, **kw: Any) -> LLMNode:
    return LLMNode(base_url=srv.base_url, model="fake", api_key="sk-node", **kw)


def _shape(frames: list[Frame]) -> list[str]:
    return [type(f).__name__ for f in frames]


async def _until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.005)):
        if check():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition not met in time")


async def test_reply_streams_start_text_per_delta_end_with_usage(server: FakeOpenAIChatServer) -> None:
    server.script(FakeReply(texts=("Hi", " there", ".")))
    async with Runtime(Graph.chain(_node(server))) as rt:
        out = rt.collect()
        await rt.push(ASK)
    frames = [f for f in out if not isinstance(f, MetricsFrame)]
    assert _shape(frames) == [
        "LLMResponseStartFrame", "LLMTextFrame", "LLMTextFrame", "LLMTextFrame",
        "LLMResponseEndFrame", "EndFrame",
    ]  # fmt: skip
    assert [f.text for f in frames if isinstance(f, LLMTextFrame)] == ["Hi", " there", "."]
    end = frames[-2]
    assert isinstance(end, LLMResponseEndFrame)
    assert end.usage == {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}


async def test_time_to_first_token_is_reported_before_the_first_text(server: FakeOpenAIChatServer) -> None:
    server.script(FakeReply(first_delay_s=0.1))
    async with Runtime(Graph.chain(_node(server))) as rt:
        out = rt.collect()
        await rt.push(ASK)
    first_text = next(i for i, f in enumerate(out) if isinstance(f, LLMTextFrame))
    ttft = [f for f in out[:first_text] if isinstance(f, MetricsFrame) and "ttft_ms" in f.values]
    assert len(ttft) == 1 and ttft[0].values["ttft_ms"] >= 100.0


async def test_text_frames_arrive_while_the_model_is_still_streaming(server: FakeOpenAIChatServer) -> None:
    server.script(FakeReply(texts=("a", "b", "c"), chunk_delay_s=0.3))
    async with Runtime(Graph.chain(_node(server))) as rt:
        out = rt.collect()
        await rt.push(ASK)
        await _until(lambda: any(isinstance(f, LLMTextFrame) for f in out))
        assert not any(isinstance(f, LLMResponseEndFrame) for f in out)


async def test_tool_calls_go_out_as_one_frame_before_the_end(server: FakeOpenAIChatServer) -> None:
    server.script(FakeReply(texts=(), tool_calls=(FakeToolCall("lookup", ('{"q": ', '"x"}'), id="c9"),)))
    async with Runtime(Graph.chain(_node(server))) as rt:
        out = rt.collect()
        await rt.push(ASK)
    calls = [f for f in out if isinstance(f, LLMToolCallFrame)]
    assert calls[0].calls == (ToolCall(0, "c9", "lookup", '{"q": "x"}'),)
    assert _shape([f for f in out if not isinstance(f, MetricsFrame)])[-3:] == [
        "LLMToolCallFrame", "LLMResponseEndFrame", "EndFrame",
    ]  # fmt: skip


async def test_failure_reports_a_coded_error_and_still_closes_the_response(
    server: FakeOpenAIChatServer,
) -> None:
    server.default = FakeReply(status=401)
    async with Runtime(Graph.chain(_node(server, retry={"max_attempts": 1}))) as rt:
        out = rt.collect()
        await rt.push(ASK)
    assert _shape([f for f in out if not isinstance(f, MetricsFrame)]) == [
        "LLMResponseStartFrame", "LLMResponseEndFrame", "EndFrame",
    ]  # fmt: skip
    errors = list(rt.bus.errors)
    assert [(e.error.code, e.node) for e in errors] == [(ErrorCode.AUTHENTICATION_FAILED, "LLMNode")]


async def test_mid_stream_disconnect_is_a_coded_error_and_the_graph_still_ends(
    server: FakeOpenAIChatServer,
) -> None:
    server.default = FakeReply(texts=("one", " two", " three"), disconnect_after=1)
    async with asyncio.timeout(10):
        async with Runtime(Graph.chain(_node(server))) as rt:
            out = rt.collect()
            await rt.push(ASK)
    assert [f.text for f in out if isinstance(f, LLMTextFrame)] == ["one"]
    assert [e.error.code for e in rt.bus.errors] == [ErrorCode.CONNECTION_FAILED]
    assert len(server.requests) == 1


async def test_interruption_cancels_the_request_and_closes_the_http_stream(
    server: FakeOpenAIChatServer,
) -> None:
    server.script(FakeReply(texts=("w",) * 50, chunk_delay_s=0.05), FakeReply(texts=("next",)))
    async with Runtime(Graph.chain(_node(server))) as rt:
        out = rt.collect()
        await rt.push(ASK)
        await _until(lambda: any(isinstance(f, LLMTextFrame) for f in out))
        assert await rt.interrupt("barge-in")
        await _until(lambda: server.cut_by_client == 1 and server.open_streams == 0, timeout=2.0)
        cut_at = len(out)
        await rt.push(LLMMessagesFrame(messages=({"role": "user", "content": "again"},)))
    after = out[cut_at:]
    assert [f.text for f in after if isinstance(f, LLMTextFrame)] == ["next"]
    assert sum(isinstance(f, LLMResponseStartFrame) for f in out) == 2
    assert sum(isinstance(f, LLMResponseEndFrame) for f in out) == 1
    assert list(rt.bus.errors) == []


async def test_fallback_endpoints_from_config_mappings_are_used_in_order(
    server: FakeOpenAIChatServer,
) -> None:
    async with FakeOpenAIChatServer() as backup:
        node = _node(
            server, fallbacks=[{"base_url": backup.base_url, "model": "backup"}], retry={"max_attempts": 1}
        )
        server.default = FakeReply(status=500)
        backup.script(FakeReply(texts=("saved",)))
        async with Runtime(Graph.chain(node)) as rt:
            out = rt.collect()
            await rt.push(ASK)
    assert [f.text for f in out if isinstance(f, LLMTextFrame)] == ["saved"]
    assert not rt.bus.errors


async def test_a_graph_spec_places_an_llm_node_with_a_fallback_endpoint(server: FakeOpenAIChatServer) -> None:
    from voicegraph.backends.providers import register_builtin
    from voicegraph.framework.spec import build_graph

    register_builtin()
    spec = {
        "name": "spec-llm",
        "nodes": [{
            "id": "agent", "type": "llm",
            "params": {
                "base_url": "http://127.0.0.1:9/v1", "model": "down", "retry": {"max_attempts": 1},
                "fallbacks": [{"base_url": server.base_url, "model": "fake", "api_key": "sk-node"}],
            },
        }],
    }  # fmt: skip
    server.script(FakeReply(texts=("from", " the fallback")))
    async with Runtime(build_graph(spec)) as rt:
        out = rt.collect()
        await rt.push(ASK)
    assert "".join(f.text for f in out if isinstance(f, LLMTextFrame)) == "from the fallback"
