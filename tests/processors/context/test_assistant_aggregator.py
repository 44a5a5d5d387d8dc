"""AssistantAggregator in a real Graph/Runtime with the ScriptedAgent: the context keeps what was heard."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from voicegraph.framework import Graph, Runtime
from voicegraph.framework.frames import (
    Frame,
    LLMMessagesFrame,
    ReplyPlayedFrame,
    ResponseEndFrame,
    ResponseStartFrame,
    TranscriptFrame,
)
from voicegraph.processors.agent import ScriptedAgent
from voicegraph.processors.context import AssistantAggregator, ConversationContext, UserAggregator

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(20)]

REPLY = "Your table for two is booked at eight."


async def _until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.005)):
        if check():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition not met in time")


def _graph(context: ConversationContext | str, **assistant: object) -> Graph:
    return Graph.chain(
        UserAggregator(context=context, system_prompt="You book tables."),
        ScriptedAgent(rules={"book": REPLY, "what": "You asked me to book a table."}),
        AssistantAggregator(context=context, **assistant),  # type: ignore[arg-type]
    )


def _ends(out: list[Frame]) -> list[ResponseEndFrame]:
    return [f for f in out if isinstance(f, ResponseEndFrame)]


async def _turn(rt: Runtime, out: list[Frame], text: str) -> str:
    """One user turn; returns the response id the aggregator gave the reply."""
    done = len(_ends(out))
    await rt.push(TranscriptFrame(text=text))
    await _until(lambda: len(_ends(out)) > done)
    return _ends(out)[-1].response_id


async def test_a_reply_played_to_the_end_is_kept_whole() -> None:
    context = ConversationContext()
    async with Runtime(_graph(context)) as rt:
        out = rt.collect()
        rid = await _turn(rt, out, "book a table")
        report = ReplyPlayedFrame(response_id=rid, played_ns=2 * 10**9, total_ns=2 * 10**9, text_played=REPLY)
        await rt.push(report, to="AssistantAggregator")
    assert context.history() == [
        {"role": "user", "content": "book a table"},
        {"role": "assistant", "content": REPLY},
    ]


async def test_an_interrupted_reply_keeps_only_the_words_heard() -> None:
    context = ConversationContext()
    async with Runtime(_graph(context)) as rt:
        out = rt.collect()
        rid = await _turn(rt, out, "book a table")
        await rt.interrupt("barge-in")
        report = ReplyPlayedFrame(response_id=rid, played_ns=600_000_000, total_ns=2_000_000_000,
                                  text_played="Your table for", interrupted=True)  # fmt: skip
        await rt.push(report, to="AssistantAggregator")
    assert context.history()[-1] == {"role": "assistant", "content": "Your table for"}


async def test_without_word_timing_the_heard_share_of_the_words_is_kept() -> None:
    context = ConversationContext()
    async with Runtime(_graph(context)) as rt:
        out = rt.collect()
        rid = await _turn(rt, out, "book a table")
        report = ReplyPlayedFrame(response_id=rid, played_ns=1_000_000_000, total_ns=2_000_000_000,
                                  interrupted=True)  # fmt: skip
        await rt.push(report, to="AssistantAggregator")
    assert context.history()[-1] == {"role": "assistant", "content": "Your table for two"}


async def test_a_reply_cut_before_any_audio_leaves_no_assistant_message() -> None:
    context = ConversationContext()
    async with Runtime(_graph(context)) as rt:
        out = rt.collect()
        rid = await _turn(rt, out, "book a table")
        await rt.interrupt("barge-in")
        await rt.push(ReplyPlayedFrame(response_id=rid, interrupted=True), to="AssistantAggregator")
    assert [m["role"] for m in context.history()] == ["user"]
    assert context.open_replies() == []


async def test_the_next_request_carries_the_heard_reply_in_order() -> None:
    context = ConversationContext()
    seen: list[LLMMessagesFrame] = []
    async with Runtime(_graph(context)) as rt:
        rt.observe(
            "UserAggregator", "ScriptedAgent",
            lambda f, _: seen.append(f) if isinstance(f, LLMMessagesFrame) else None,
        )  # fmt: skip
        out = rt.collect()
        rid = await _turn(rt, out, "book a table")
        await rt.push(ReplyPlayedFrame(response_id=rid, text_played=REPLY), to="AssistantAggregator")
        await _turn(rt, out, "what did I ask")
    assert [m["content"] for m in seen[-1].messages] == [
        "You book tables.", "book a table", REPLY, "what did I ask",
    ]  # fmt: skip


async def test_a_reply_still_playing_is_shown_to_the_next_turn_in_its_place() -> None:
    context = ConversationContext()
    async with Runtime(_graph(context)) as rt:
        out = rt.collect()
        first = await _turn(rt, out, "book a table")
        await _turn(rt, out, "what did I ask")
        await rt.push(ReplyPlayedFrame(response_id=first, text_played=REPLY), to="AssistantAggregator")
    roles = [(m["role"], m["content"]) for m in context.history()]
    assert roles[:3] == [("user", "book a table"), ("assistant", REPLY), ("user", "what did I ask")]


async def test_each_reply_is_wrapped_in_response_markers_with_its_own_id() -> None:
    async with Runtime(_graph(ConversationContext())) as rt:
        out = rt.collect()
        await _turn(rt, out, "book a table")
        await _turn(rt, out, "what")
    starts = [f.response_id for f in out if isinstance(f, ResponseStartFrame)]
    assert starts == [f.response_id for f in _ends(out)] and len(set(starts)) == 2


async def test_commit_on_generated_keeps_replies_without_an_output_report() -> None:
    context = ConversationContext()
    async with Runtime(_graph(context, commit_on="generated")) as rt:
        out = rt.collect()
        await _turn(rt, out, "book a table")
    assert context.history()[-1] == {"role": "assistant", "content": REPLY}
    assert context.open_replies() == []


async def test_aggregators_built_by_name_share_one_context_per_running_graph() -> None:
    graph = _graph("main")
    async with Runtime(graph) as rt:
        out = rt.collect()
        rid = await _turn(rt, out, "book a table")
        await rt.push(ReplyPlayedFrame(response_id=rid, text_played=REPLY), to="AssistantAggregator")
    user = graph.processors["UserAggregator"]
    assert isinstance(user, UserAggregator)
    assert user.context.history()[-1] == {"role": "assistant", "content": REPLY}
