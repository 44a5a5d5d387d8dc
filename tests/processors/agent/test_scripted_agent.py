"""ScriptedAgent in a real Graph/Runtime on a virtual clock."""

from __future__ import annotations

import pytest

from voicegraph.framework import Graph, Runtime, VirtualClock
from voicegraph.framework.frames import (
    LLMMessagesFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    MetricsFrame,
)
from voicegraph.processors.agent import ScriptedAgent

pytestmark = pytest.mark.anyio


def _ask(text: str) -> LLMMessagesFrame:
    return LLMMessagesFrame(messages=({"role": "user", "content": text},))


async def test_reply_streams_word_by_word_between_start_and_end() -> None:
    async with Runtime(Graph.chain(ScriptedAgent(rules={"hello": "Hello there, friend."}))) as rt:
        out = rt.collect()
        await rt.push(_ask("hello"))
    data = [f for f in out if not isinstance(f, MetricsFrame)]
    start, end = data[0], data[-2]
    assert isinstance(start, LLMResponseStartFrame) and isinstance(end, LLMResponseEndFrame)
    assert [f.text for f in data if isinstance(f, LLMTextFrame)] == ["Hello", " there,", " friend."]
    assert end.usage["completion_tokens"] == 3


async def test_token_delays_run_on_the_graph_clock() -> None:
    clock = VirtualClock()
    agent = ScriptedAgent(script=["one two three"], first_token_delay_s=0.4, token_delay_s=0.1)
    async with clock.autojump(), Runtime(Graph.chain(agent), clock=clock) as rt:
        out = rt.collect()
        await rt.push(_ask("go"))
    metrics = {k: v for f in out if isinstance(f, MetricsFrame) for k, v in f.values.items()}
    assert metrics["ttft_ms"] == pytest.approx(400.0)
    assert metrics["total_ms"] == pytest.approx(600.0)


async def test_interruption_stops_the_reply_in_progress() -> None:
    clock = VirtualClock()
    agent = ScriptedAgent(script=["a b c d e f g h"], token_delay_s=1.0)
    async with clock.autojump(), Runtime(Graph.chain(agent), clock=clock) as rt:
        out = rt.collect()
        await rt.push(_ask("go"))
        await clock.sleep(2.5)
        await rt.interrupt("barge-in")
        await clock.sleep(10.0)
    texts = [f.text for f in out if isinstance(f, LLMTextFrame)]
    assert texts == ["a", " b", " c"]
    assert not any(isinstance(f, LLMResponseEndFrame) for f in out)
