"""WorkflowTrigger: turn ends, tool calls, silences and call ends start user workflows."""

from __future__ import annotations

import asyncio

import pytest

from voicegraph.framework import (
    CustomEvent,
    ErrorCode,
    ErrorEvent,
    Graph,
    Outbox,
    Processor,
    Runtime,
    VirtualClock,
    handles,
)
from voicegraph.framework.frames import (
    BotStoppedSpeakingFrame,
    Frame,
    TextFrame,
    TranscriptFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
)
from voicegraph.processors.agent import (
    EndCallFrame,
    GraphWorkflow,
    LLMToolCallFrame,
    ToolCall,
    ToolResult,
    VoiceEvent,
    WorkflowEvent,
    WorkflowEventFrame,
    WorkflowTrigger,
)
from voicegraph.processors.context import ConversationContext

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(20)]


class Recorder:
    """A workflow that records its events (and may answer with frames)."""

    def __init__(self, reply: list[Frame] | None = None) -> None:
        self.events: list[WorkflowEvent] = []
        self.reply = reply

    async def __call__(self, event: WorkflowEvent) -> list[Frame] | None:
        self.events.append(event)
        return self.reply


async def test_a_turn_end_starts_the_workflow_with_the_words_and_the_conversation() -> None:
    wf = Recorder()
    context = ConversationContext(messages=[{"role": "user", "content": "earlier"}])
    trigger = WorkflowTrigger(on_turn_ended=[wf], context=context)
    published: list[CustomEvent] = []
    async with Runtime(Graph.chain(trigger), metadata={"session_id": "call-7"}) as rt:
        rt.bus.subscribe(published.append, CustomEvent)
        await rt.push(TranscriptFrame(text="I want to cancel"))
        await rt.push(TranscriptFrame(text="my order"))
        await rt.push(TurnEndFrame())
        await asyncio.sleep(0.01)
    (event,) = wf.events
    assert (event.kind, event.text, event.session_id) == (
        VoiceEvent.TURN_ENDED,
        "I want to cancel my order",
        "call-7",
    )
    assert event.messages == ({"role": "user", "content": "earlier"},) and event.key == "call-7:turn_ended:1"
    assert [e.name for e in published] == ["voice.turn_ended", "voice.call_ended"]


async def test_each_tool_call_starts_the_workflow_with_its_result() -> None:
    wf = Recorder()
    calls = (ToolCall(0, "c1", "lookup", '{"q": 1}'), ToolCall(1, "c2", "book", "{}"))
    results = (
        ToolResult("c1", "lookup", '"found"'),
        ToolResult("c2", "book", '{"error": "x"}', error="timeout"),
    )
    async with Runtime(Graph.chain(WorkflowTrigger(on_tool_called=[wf]))) as rt:
        await rt.push(LLMToolCallFrame(calls=calls, results=results))
        await asyncio.sleep(0.01)
    assert [(e.tool["name"], e.tool["result"], e.tool["error"]) for e in wf.events] == [
        ("lookup", '"found"', ""), ("book", '{"error": "x"}', "timeout"),
    ]  # fmt: skip


async def test_user_silence_after_the_bot_stopped_fires_once_and_its_frames_go_into_the_call() -> None:
    wf = Recorder(reply=[TextFrame(text="Are you still there?")])
    clock = VirtualClock()
    trigger = WorkflowTrigger(on_user_silent=[wf], silence_s=8.0)
    async with clock.autojump(), Runtime(Graph.chain(trigger), clock=clock) as rt:
        out = rt.collect()
        await rt.push(UserStartedSpeakingFrame())  # the caller talks at first
        await clock.sleep(3.0)
        await rt.push(BotStoppedSpeakingFrame())
        await clock.sleep(30.0)
    (event,) = wf.events
    assert event.kind is VoiceEvent.USER_SILENT and event.silent_s == pytest.approx(8.0)
    assert event.at_ns == pytest.approx(11e9)
    assert [f.text for f in out if isinstance(f, TextFrame)] == ["Are you still there?"]


async def test_speech_before_the_deadline_cancels_the_silence_and_repeat_fires_again() -> None:
    wf = Recorder()
    clock = VirtualClock()
    trigger = WorkflowTrigger(on_user_silent=[wf], silence_s=5.0, repeat_silence=True)
    async with clock.autojump(), Runtime(Graph.chain(trigger), clock=clock) as rt:
        await rt.push(UserStartedSpeakingFrame())  # armed at start, disarmed here
        await clock.sleep(20.0)
        assert wf.events == []
        await rt.push(BotStoppedSpeakingFrame())
        await clock.sleep(12.0)
    assert [round(e.at_ns / 1e9) for e in wf.events] == [25, 30]


async def test_call_ended_workflows_are_awaited_on_drain_with_the_reason() -> None:
    done = asyncio.Event()

    async def post_call(event: WorkflowEvent) -> None:
        await asyncio.sleep(0.05)
        assert event.reason == "end_call"
        done.set()

    async with Runtime(Graph.chain(WorkflowTrigger(on_call_ended=[post_call]))) as rt:
        await rt.push(EndCallFrame(reason="resolved"))
    assert done.is_set()


async def test_a_cancelled_call_still_runs_the_call_ended_workflow() -> None:
    wf = Recorder()
    rt = Runtime(Graph.chain(WorkflowTrigger(on_call_ended=[wf])))
    await rt.start()
    await rt.cancel()
    assert [(e.kind, e.reason) for e in wf.events] == [(VoiceEvent.CALL_ENDED, "cancelled")]


async def test_a_failing_workflow_is_a_non_fatal_agent_error_and_the_call_goes_on() -> None:
    async def broken(event: WorkflowEvent) -> None:
        raise RuntimeError("crm down")

    async with Runtime(Graph.chain(WorkflowTrigger(on_turn_ended=[broken]))) as rt:
        out = rt.collect()
        await rt.push(TurnEndFrame())
        await asyncio.sleep(0.01)
        await rt.push(TranscriptFrame(text="still here"))
    errors = [e for e in rt.bus.errors if isinstance(e, ErrorEvent)]
    assert [(e.error.code, e.fatal) for e in errors] == [(ErrorCode.AGENT_ERROR, False)]
    assert any(isinstance(f, TranscriptFrame) for f in out)


class _Summarizer(Processor):
    """A stand-in post-call graph: answers each event with a text frame."""

    @handles
    async def on_event(self, frame: WorkflowEventFrame, out: Outbox) -> None:
        await out.send(TextFrame(text=f"summary of {frame.event.session_id}"))


async def test_a_graph_workflow_runs_a_fresh_graph_per_event() -> None:
    flow = GraphWorkflow(lambda: Graph.chain(_Summarizer()), keep=(TextFrame,))
    async with Runtime(
        Graph.chain(WorkflowTrigger(on_turn_ended=[flow])), metadata={"session_id": "s1"}
    ) as rt:
        out = rt.collect()
        await rt.push(TurnEndFrame())
        await rt.push(TurnEndFrame())
        for _ in range(200):
            if sum(isinstance(f, TextFrame) for f in out) == 2:
                break
            await asyncio.sleep(0.01)
    assert flow.runs == 2
    assert [f.text for f in out if isinstance(f, TextFrame)] == ["summary of s1", "summary of s1"]


async def notify_crm(event: WorkflowEvent) -> None:
    """A workflow named by an import string."""


def test_workflows_load_from_import_strings_for_graph_specs() -> None:
    trigger = WorkflowTrigger(on_call_ended=["tests.processors.agent.test_workflow_trigger:notify_crm"])
    assert trigger.workflows[VoiceEvent.CALL_ENDED] == [notify_crm]
