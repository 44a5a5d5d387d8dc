"""Preemptive replies: the user aggregator asks early, ReplyGate holds the reply until the turn end."""

from __future__ import annotations

import asyncio

import pytest

from voicegraph.framework import EdgeConfig, Graph, Runtime
from voicegraph.framework.frames import (
    EndCallFrame,
    Frame,
    LLMMessagesFrame,
    LLMTextFrame,
    ReplyHoldFrame,
    TranscriptFrame,
    TurnConfirmedFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles
from voicegraph.processors.agent import ScriptedAgent
from voicegraph.processors.context import ConversationContext, ReplyGate, UserAggregator

pytestmark = pytest.mark.anyio
RULES = {"umbrella": "Take an umbrella with you.", "weather": "It is sunny today."}


def _said(out: list[Frame]) -> str:
    return "".join(f.text for f in out if isinstance(f, LLMTextFrame))


def _graph(ctx: ConversationContext, **agg: object) -> tuple[Graph, UserAggregator, ReplyGate]:
    user = UserAggregator(context=ctx, preemptive=True, **agg)  # type: ignore[arg-type]
    gate = ReplyGate()
    return Graph.chain(user, ScriptedAgent(rules=RULES, default="Hm."), gate), user, gate


async def _settle() -> None:
    await asyncio.sleep(0.05)


def _requests(rt: Runtime, graph: Graph) -> list[LLMMessagesFrame]:
    """The LLM requests the user aggregator sends, as they go out."""
    requests: list[LLMMessagesFrame] = []
    user, agent = graph.paths()[0][:2]
    rt.observe(user, agent, lambda f, _: requests.append(f) if isinstance(f, LLMMessagesFrame) else None)
    return requests


async def _user_spoke(rt: Runtime) -> None:
    """A user turn's speech, started and stopped (its words come next)."""
    await rt.push(UserStartedSpeakingFrame())
    await rt.push(UserStoppedSpeakingFrame())


async def test_the_reply_is_prepared_on_the_transcript_and_played_on_the_turn_end() -> None:
    ctx = ConversationContext()
    graph, _, gate = _graph(ctx)
    async with Runtime(graph) as rt:
        out = rt.collect()
        requests = _requests(rt, graph)
        await _user_spoke(rt)
        await rt.push(TranscriptFrame(text="what is the weather"))
        await _settle()
        assert len(requests) == 1, "the request goes out before the turn end"
        assert gate.holding and _said(out) == "", "the reply is held"
        assert any(isinstance(f, ReplyHoldFrame) for f in out)
        await rt.push(TurnEndFrame())
        await _settle()
        assert _said(out) == "It is sunny today."
        assert not gate.holding
        assert any(isinstance(f, TurnConfirmedFrame) for f in out)
    assert requests[0].messages[-1] == {"role": "user", "content": "what is the weather"}
    assert [m["content"] for m in ctx.history() if m["role"] == "user"] == ["what is the weather"]
    assert len(ctx.unsaved()) >= 1, "a confirmed turn is persisted like any other"


async def test_speech_resuming_before_the_turn_end_drops_the_reply_and_keeps_the_words() -> None:
    ctx = ConversationContext()
    graph, _, gate = _graph(ctx)
    async with Runtime(graph) as rt:
        out = rt.collect()
        await rt.push(UserStartedSpeakingFrame())
        await rt.push(UserStoppedSpeakingFrame())
        await rt.push(TranscriptFrame(text="what is the weather"))
        await _settle()
        assert gate.holding
        epoch = rt.epoch
        await rt.push(UserStartedSpeakingFrame())  # a pause inside the sentence: no barge-in VAD here
        assert rt.epoch == epoch + 1, "the aggregator interrupted the prepared reply itself"
        assert not gate.holding and _said(out) == ""
        assert [m for m in ctx.history() if m["role"] == "user"] == [], "the tentative turn was taken back"
        await rt.push(UserStoppedSpeakingFrame())
        await rt.push(TranscriptFrame(text="and do I need an umbrella"))
        await _settle()
        await rt.push(TurnEndFrame())
        await _settle()
        assert _said(out) == "Take an umbrella with you."
    users = [m for m in ctx.history() if m["role"] == "user"]
    assert users == [{"role": "user", "content": "what is the weather and do I need an umbrella"}]


async def test_without_a_turn_end_the_prepared_reply_never_plays() -> None:
    ctx = ConversationContext()
    graph, _, gate = _graph(ctx)
    rt = Runtime(graph)
    await rt.start()
    out = rt.collect()
    await rt.push(UserStartedSpeakingFrame())
    await rt.push(UserStoppedSpeakingFrame())
    await rt.push(TranscriptFrame(text="what is the weather"))
    await asyncio.sleep(0.2)
    assert _said(out) == "" and gate.holding
    assert ctx.unsaved() == [], "a tentative turn is never persisted"
    await rt.cancel()


async def test_a_second_transcript_in_the_same_pause_asks_again_with_all_the_words() -> None:
    ctx = ConversationContext()
    graph, _, _ = _graph(ctx)
    async with Runtime(graph) as rt:
        out = rt.collect()
        await rt.push(UserStartedSpeakingFrame())
        await rt.push(UserStoppedSpeakingFrame())
        await rt.push(TranscriptFrame(text="tell me"))
        await _settle()
        await rt.push(TranscriptFrame(text="about the weather"))
        await _settle()
        await rt.push(TurnEndFrame())
        await _settle()
        assert _said(out) == "It is sunny today."
    assert [m["content"] for m in ctx.history() if m["role"] == "user"] == ["tell me about the weather"]


def test_a_tentative_user_turn_reads_as_a_message_but_is_not_persisted_until_confirmed() -> None:
    ctx = ConversationContext()
    ctx.add_user("hello")
    entry = ctx.add_tentative_user("how are you")
    assert [m["content"] for m in ctx.messages()] == ["hello", "how are you"]
    assert [m["content"] for m in ctx.unsaved()] == ["hello"]
    assert ctx.settled_count() == 1
    ctx.retract(entry)
    assert [m["content"] for m in ctx.messages()] == ["hello"]
    again = ctx.add_tentative_user("how are you doing")
    ctx.confirm(again)
    assert [m["content"] for m in ctx.unsaved()] == ["how are you doing"]


async def test_preemptive_replies_without_a_gate_are_refused_at_start() -> None:
    from voicegraph.framework.errors import ErrorCode, VoiceError

    graph = Graph.chain(UserAggregator(preemptive=True), ScriptedAgent(rules=RULES))
    with pytest.raises(VoiceError) as info:
        async with Runtime(graph):
            pass
    assert info.value.code is ErrorCode.INVALID_CONFIG
    assert "ReplyGate" in str(info.value)


async def _turn(rt: Runtime, text: str, end_ns: int) -> None:
    await rt.push(UserStoppedSpeakingFrame(speech_end_ns=end_ns))
    await rt.push(TranscriptFrame(text=text))
    await _settle()
    await rt.push(TurnEndFrame(speech_end_ns=end_ns))
    await _settle()


async def test_speech_resumed_right_after_a_turn_end_rejoins_that_turn() -> None:
    ctx = ConversationContext()
    graph, _, _ = _graph(ctx, rejoin_s=0.7)
    async with Runtime(graph) as rt:
        out = rt.collect()
        t0 = rt.clock.now_ns()
        await rt.push(UserStartedSpeakingFrame(speech_start_ns=t0))
        await _turn(rt, "what is the weather", t0 + 1_000_000_000)
        assert _said(out) == "It is sunny today."  # the turn ended and the reply played
        epoch = rt.epoch
        await rt.push(UserStartedSpeakingFrame(speech_start_ns=t0 + 1_400_000_000))  # 0.4 s later
        assert rt.epoch > epoch, "the early reply was cut"
        assert [m for m in ctx.history() if m["role"] == "user"] == []
        await _turn(rt, "and do I need an umbrella", t0 + 3_000_000_000)
    users = [m["content"] for m in ctx.history() if m["role"] == "user"]
    assert users == ["what is the weather and do I need an umbrella"]


async def test_speech_resumed_later_is_a_new_turn() -> None:
    ctx = ConversationContext()
    graph, _, _ = _graph(ctx, rejoin_s=0.7)
    async with Runtime(graph) as rt:
        t0 = rt.clock.now_ns()
        await rt.push(UserStartedSpeakingFrame(speech_start_ns=t0))
        await _turn(rt, "what is the weather", t0 + 1_000_000_000)
        await rt.push(UserStartedSpeakingFrame(speech_start_ns=t0 + 2_500_000_000))
        await _turn(rt, "and do I need an umbrella", t0 + 4_000_000_000)
    users = [m["content"] for m in ctx.history() if m["role"] == "user"]
    assert users == ["what is the weather", "and do I need an umbrella"]


async def test_a_call_action_in_a_held_reply_waits_with_it_and_goes_with_it() -> None:
    gate = ReplyGate()
    async with Runtime(Graph.chain(gate)) as rt:
        out = rt.collect()
        await rt.push(ReplyHoldFrame(turn=1))
        await rt.push(LLMTextFrame(text="Goodbye!"))
        await rt.push(EndCallFrame(reason="done"))
        await _settle()
        assert not [f for f in out if isinstance(f, LLMTextFrame | EndCallFrame)], "held, in order"
        await rt.push(TurnConfirmedFrame(turn=1))
        await _settle()
        kinds = [type(f) for f in out if isinstance(f, LLMTextFrame | EndCallFrame)]
        assert kinds == [LLMTextFrame, EndCallFrame]
        await rt.push(ReplyHoldFrame(turn=2))
        await rt.push(EndCallFrame(reason="answered the wrong words"))
        await _settle()
        await rt.interrupt("the user went on")
        await _settle()
    # the re-asked agent decides again: the dropped reply's hang-up is gone with it
    assert [f.reason for f in out if isinstance(f, EndCallFrame)] == ["done"]


class _SlowSink(Processor):
    """A queued output that takes its time, so a release waits on a full lane."""

    concurrent = True

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    @handles
    async def on_text(self, frame: LLMTextFrame, out: Outbox) -> None:
        await asyncio.sleep(0.002)
        self.texts.append(frame.text)


async def test_frames_after_the_confirmation_wait_behind_the_released_ones() -> None:
    gate, sink = ReplyGate(), _SlowSink()
    graph = Graph.chain(gate, sink, edges={sink.name: EdgeConfig(capacity=1)})
    async with Runtime(graph) as rt:
        await rt.push(ReplyHoldFrame(turn=1))
        for i in range(10):
            await rt.push(LLMTextFrame(text=f"held{i}"))

        async def more() -> None:
            await asyncio.sleep(0)  # the release has started and waits on the full lane
            for i in range(10):
                await rt.push(LLMTextFrame(text=f"later{i}"))

        await asyncio.gather(rt.push(TurnConfirmedFrame(turn=1)), more())
        await asyncio.sleep(0.2)
    assert sink.texts == [f"held{i}" for i in range(10)] + [f"later{i}" for i in range(10)]


async def test_a_revising_transcript_replaces_the_words_and_asks_again() -> None:
    ctx = ConversationContext()
    graph, _, gate = _graph(ctx)
    async with Runtime(graph) as rt:
        out = rt.collect()
        requests = _requests(rt, graph)
        await _user_spoke(rt)
        await rt.push(TranscriptFrame(text="is the whether"))
        await _settle()
        assert len(requests) == 1 and gate.holding
        await rt.push(TranscriptFrame(text="is the weather nice", revises=True))
        await _settle()
        await rt.push(TurnEndFrame())
        await _settle()
    assert len(requests) == 2, "the reply prepared for the old words is asked again"
    assert requests[-1].messages[-1]["content"] == "is the weather nice"
    assert _said(out) == "It is sunny today.", "only the reply to the revised words plays"
    assert [m["content"] for m in ctx.history() if m["role"] == "user"] == ["is the weather nice"]


async def test_a_late_final_after_the_turn_end_waits_for_the_next_turn_instead_of_a_second_reply() -> None:
    ctx = ConversationContext()
    graph, _, gate = _graph(ctx)
    async with Runtime(graph) as rt:
        out = rt.collect()
        requests = _requests(rt, graph)
        await _user_spoke(rt)
        await rt.push(TranscriptFrame(text="what is the weather"))
        await _settle()
        await rt.push(TurnEndFrame())  # confirmed: its reply plays
        await _settle()
        await rt.push(TranscriptFrame(text="in paris"))  # a slow STT's last words
        await _settle()
        assert len(requests) == 1 and not gate.holding, "no second reply beside the playing one"
        await _user_spoke(rt)
        await rt.push(TranscriptFrame(text="and do I need an umbrella"))
        await _settle()
        await rt.push(TurnEndFrame())
        await _settle()
    assert sum(isinstance(f, ReplyHoldFrame) for f in out) == 2
    assert requests[-1].messages[-1]["content"] == "in paris and do I need an umbrella"
