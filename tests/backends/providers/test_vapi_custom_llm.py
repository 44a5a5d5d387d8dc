"""voicegraph as Vapi's custom LLM: SSE and whole replies, tool calls, one conversation per call id."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from tests.fakes.openai_chat import FakeOpenAIChatServer, FakeReply, FakeToolCall
from tests.fakes.vapi_caller import VapiCaller, new_call_id, sse_events
from voicegraph.backends.config import load_config
from voicegraph.backends.from_config import build_served
from voicegraph.backends.providers.vapi import VapiServer

from .vapi_config import LLM_GRAPH, LLM_KEY, SECRET, TOOLS, scripted_graph, vapi_config

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("vapi_env")]


USER = [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": "hello"}]


@asynccontextmanager
async def serving(graph: dict[str, Any] | str) -> AsyncIterator[tuple[VapiServer, VapiCaller]]:
    served = build_served(load_config(vapi_config(graph), env={}))
    await served.start()
    try:
        server = served.backend.transport
        assert isinstance(server, VapiServer)
        yield server, VapiCaller(server.url, llm_key=LLM_KEY, secret=SECRET)
    finally:
        await served.stop(5)


def text_of(events: list[Any]) -> str:
    return "".join(
        e["choices"][0]["delta"].get("content") or "" for e in events if isinstance(e, dict) and e["choices"]
    )


async def test_a_streamed_reply_is_openai_sse_ending_with_done() -> None:
    async with serving(scripted_graph("Hello from voicegraph.")) as (_, vapi):
        reply = await vapi.chat(vapi.chat_body(new_call_id(), USER))
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/event-stream")
    events = sse_events(reply.text)
    assert events[-1] == "[DONE]"
    assert events[0]["choices"][0]["delta"]["role"] == "assistant"
    assert events[-2]["choices"][0]["finish_reason"] == "stop"
    assert text_of(events) == "Hello from voicegraph."
    assert len({e["id"] for e in events[:-1]}) == 1


async def test_each_call_id_has_its_own_conversation() -> None:
    a, b = new_call_id(), new_call_id()
    async with serving(scripted_graph("First reply.", "Second reply.")) as (server, vapi):
        first_a = text_of(sse_events((await vapi.chat(vapi.chat_body(a, USER))).text))
        first_b = text_of(sse_events((await vapi.chat(vapi.chat_body(b, USER))).text))
        second_a = text_of(sse_events((await vapi.chat(vapi.chat_body(a, USER))).text))
        assert set(server.agents.calls) == {a, b}
    assert (first_a, first_b, second_a) == ("First reply.", "First reply.", "Second reply.")


async def test_a_whole_reply_is_a_chat_completion() -> None:
    async with serving(scripted_graph("Whole answer.")) as (_, vapi):
        reply = await vapi.chat(vapi.chat_body(new_call_id(), USER, stream=False))
    body = reply.json()
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "Whole answer."}
    assert body["choices"][0]["finish_reason"] == "stop"


async def test_tools_run_by_the_agent_graph_see_their_own_call_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAPI_TEST_LLM_TOOLS", "1")
    a, b = new_call_id(), new_call_id()
    async with FakeOpenAIChatServer() as llm:
        ask = FakeReply(texts=(), tool_calls=(FakeToolCall("whose_call", ("{}",), id="t1"),))
        llm.script(ask, FakeReply(texts=("Done.",)), ask, FakeReply(texts=("Done.",)))
        monkeypatch.setenv("VAPI_TEST_LLM_URL", llm.base_url)
        async with serving(LLM_GRAPH) as (_, vapi):
            ra = await vapi.chat(vapi.chat_body(a, USER))
            rb = await vapi.chat(vapi.chat_body(b, USER))
        tool_results = [m["content"] for r in llm.requests for m in r.body["messages"] if m["role"] == "tool"]
    assert text_of(sse_events(ra.text)) == text_of(sse_events(rb.text)) == "Done."
    assert tool_results == [a, b]


async def test_vapi_tools_the_graph_does_not_run_come_back_as_tool_calls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    vapi_tools = [{"type": "function", "function": {"name": "transfer", "parameters": {"type": "object"}}}]
    async with FakeOpenAIChatServer() as llm:
        llm.script(
            FakeReply(texts=(), tool_calls=(FakeToolCall("transfer", ('{"to":', '"sales"}'), id="c9"),))
        )
        monkeypatch.setenv("VAPI_TEST_LLM_URL", llm.base_url)
        async with serving(LLM_GRAPH) as (_, vapi):
            reply = await vapi.chat(vapi.chat_body(new_call_id(), USER, tools=vapi_tools))
        offered = llm.requests[0].body.get("tools")
    events = sse_events(reply.text)
    calls = [c for e in events[:-1] for c in e["choices"][0]["delta"].get("tool_calls", [])]
    assert calls == [
        {
            "index": 0,
            "id": "c9",
            "type": "function",
            "function": {"name": "transfer", "arguments": '{"to":"sales"}'},
        }
    ]
    assert events[-2]["choices"][0]["finish_reason"] == "tool_calls"
    assert offered == vapi_tools


@pytest.mark.parametrize(
    ("key", "body", "status", "code"),
    [
        ("wrong-key-0123456789", {"messages": USER, "call": {"id": "c"}}, 401, "authentication_failed"),
        (None, {"messages": [], "call": {"id": "c"}}, 400, "invalid_input"),
        (None, {"messages": USER}, 400, "invalid_input"),
        (None, {"messages": [{"content": "no role"}], "call": {"id": "c"}}, 400, "invalid_input"),
    ],
)
async def test_bad_chat_requests_get_a_coded_json_error(
    key: str | None, body: dict[str, Any], status: int, code: str
) -> None:
    async with serving(scripted_graph("x")) as (_, vapi):
        reply = await vapi.chat(body, key=key)
    assert (reply.status_code, reply.json()["error"]["code"]) == (status, code)


async def test_a_new_request_of_the_same_call_cuts_the_reply_in_progress() -> None:
    story = " ".join(f"word{i}" for i in range(60)) + "."
    graph = {
        "name": "slow",
        "nodes": [
            {
                "id": "agent",
                "type": "scripted_agent",
                "params": {"script": [story, "Okay."], "token_delay_s": 0.05},
            }
        ],
    }
    call = new_call_id()
    async with serving(graph) as (server, vapi):
        first = asyncio.ensure_future(vapi.chat(vapi.chat_body(call, USER)))
        await asyncio.sleep(0.5)  # the first reply is streaming
        async with asyncio.timeout(10):
            second = await vapi.chat(vapi.chat_body(call, USER))
            cut = await first
        assert server.agents.calls[call].interrupted == 1
    cut_events = sse_events(cut.text)
    assert cut_events[-1] == "[DONE]" and cut_events[-2]["choices"][0]["finish_reason"] == "stop"
    assert 0 < len(text_of(cut_events)) < len(story)
    assert text_of(sse_events(second.text)) == "Okay."


async def test_the_agent_graphs_retriever_grounds_the_reply(monkeypatch: pytest.MonkeyPatch) -> None:
    async with FakeOpenAIChatServer() as llm:
        llm.script(FakeReply(texts=("On Mill Street.",)))
        monkeypatch.setenv("VAPI_TEST_LLM_URL", llm.base_url)
        async with serving(f"{TOOLS}:rag_agent_graph") as (_, vapi):
            question = [{"role": "user", "content": "where do visitors park?"}]
            reply = await vapi.chat(vapi.chat_body(new_call_id(), question))
        sent = json.dumps(llm.requests[0].body["messages"])
    assert text_of(sse_events(reply.text)) == "On Mill Street."
    assert "Visitors park on Mill Street." in sent and "We open at nine." not in sent
