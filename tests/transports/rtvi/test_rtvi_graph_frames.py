"""RTVI events of the LLM frames a graph consumes before its output (`RTVISession.observer`)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from voicegraph.framework import Graph, Processor
from voicegraph.framework.frames.llm import LLMResponseEndFrame, LLMResponseStartFrame, LLMTextFrame
from voicegraph.framework.frames.system import UserStartedSpeakingFrame
from voicegraph.framework.runtime import Runtime
from voicegraph.processors.text.sentence_aggregator import SentenceAggregator
from voicegraph.transports.rtvi.rtvi_graph_frames import REMEMBERED, RTVIGraphFrames
from voicegraph.transports.rtvi.rtvi_session import RTVISession

TOKENS = ["The capital", " of France", " is Paris.", " It is", " lovely."]


class Relay(Processor):
    """Passes every frame on (no handlers)."""


async def observed_reply(fan_out: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Tokens through relays into a sentence aggregator; (observed events, output events)."""
    rtvi = RTVISession()
    inside: list[dict[str, Any]] = []
    graph = Graph.chain(Relay(), Relay(), SentenceAggregator())
    if fan_out:  # a second branch, a sink, sees the same frames
        head = next(iter(graph.processors))
        graph.link(head, graph.add(Relay(), name="tap"))
    at_output: list[dict[str, Any]] = []
    async with Runtime(graph) as rt:
        probe = rtvi.observer(inside.extend)
        for link in rt.links:
            rt.observe(link.src.name, link.dst.name, probe)
        rt.on_output(lambda f, _: at_output.extend(rtvi.events(f)))
        await rt.push(LLMResponseStartFrame())
        for token in TOKENS:
            await rt.push(LLMTextFrame(text=token))
        await rt.push(LLMResponseEndFrame())
        await asyncio.sleep(0.05)
    return inside, at_output


@pytest.mark.anyio
async def test_consumed_tokens_become_bot_llm_text_once_each_in_order() -> None:
    inside, at_output = await observed_reply(fan_out=False)
    kinds = [m["type"] for m in inside]
    assert kinds == ["bot-llm-started"] + ["bot-llm-text"] * len(TOKENS) + ["bot-llm-stopped"]
    assert [m["data"]["text"] for m in inside if m["type"] == "bot-llm-text"] == TOKENS
    assert not any(m["type"].startswith("bot-llm") for m in at_output)  # told once, inside


def test_a_frame_is_told_once_whether_seen_on_links_or_at_the_output() -> None:
    frames = RTVIGraphFrames()
    token = LLMTextFrame(text="hi", epoch=0)
    assert frames.first_inside(token, 0)
    assert not frames.first_inside(token, 0)  # the next link, or a fan-out branch
    assert not frames.first_at_output(token)
    other = LLMTextFrame(text="hi", epoch=0)  # equal, but another frame
    assert frames.first_at_output(other)


def test_a_token_of_an_interrupted_epoch_is_not_told() -> None:
    frames = RTVIGraphFrames()
    assert not frames.first_inside(LLMTextFrame(text="late", epoch=2), 3)
    assert frames.first_inside(LLMTextFrame(text="new", epoch=3), 3)


def test_frames_rtvi_takes_at_the_output_are_left_to_it() -> None:
    frames = RTVIGraphFrames()
    speaking = UserStartedSpeakingFrame()
    assert not frames.first_inside(speaking, 0)
    assert frames.first_at_output(speaking) and frames.first_at_output(speaking)


def test_memory_of_told_frames_is_bounded() -> None:
    frames = RTVIGraphFrames()
    first = LLMTextFrame(text="0", epoch=0)
    frames.first_inside(first, 0)
    for i in range(REMEMBERED):
        frames.first_inside(LLMTextFrame(text=str(i), epoch=0), 0)
    assert frames.first_at_output(first)  # forgotten: the oldest goes first


@pytest.mark.anyio
async def test_a_fan_out_branch_reaching_the_output_does_not_repeat_the_tokens() -> None:
    inside, at_output = await observed_reply(fan_out=True)
    told = [m["data"]["text"] for m in inside + at_output if m["type"] == "bot-llm-text"]
    assert told == TOKENS
