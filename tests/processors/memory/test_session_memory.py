"""SessionMemory: long calls are compacted into a summary; a session survives a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicegraph.framework import Graph, Runtime
from voicegraph.framework.frames import (
    LLMMessagesFrame,
    ReplyPlayedFrame,
    ResponseEndFrame,
    TranscriptFrame,
)
from voicegraph.processors.agent import ScriptedAgent
from voicegraph.processors.context import AssistantAggregator, ConversationContext, UserAggregator
from voicegraph.processors.memory import (
    ExtractiveSummarizer,
    InMemoryStore,
    SessionMemory,
    SQLiteMemoryStore,
    message_size,
)

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(20)]


async def _talk(
    context: ConversationContext, turns: list[str], metadata: dict[str, object]
) -> list[LLMMessagesFrame]:
    """Run a call; returns the LLM requests the user aggregator sent."""
    graph = Graph.chain(
        UserAggregator(context=context),
        ScriptedAgent(rules={"name": "Your name is Ada."}, default="Noted: {user}."),
        AssistantAggregator(context=context, commit_on="generated"),
    )
    requests: list[LLMMessagesFrame] = []
    async with Runtime(graph, metadata=metadata) as rt:
        rt.observe(
            "UserAggregator", "ScriptedAgent",
            lambda f, _: requests.append(f) if isinstance(f, LLMMessagesFrame) else None,
        )  # fmt: skip
        for text in turns:
            await rt.push(TranscriptFrame(text=text))
    return requests


async def test_a_long_call_is_compacted_into_a_summary_within_the_budget() -> None:
    memory = SessionMemory(budget_chars=1_500, keep_entries=2)
    context = ConversationContext(system_prompt="Be brief.", memory=memory)
    turns = [f"please remember item number {i} which is a rather long thing to say" for i in range(40)]
    out = await _talk(context, turns, {})
    history = context.history()
    assert memory.compactions > 0
    assert sum(message_size(m) for m in history) <= 1_500
    assert "User: please remember item number" in context.summary
    last = out[-1].messages
    assert last[0]["content"].startswith("Be brief.\n\nSummary of the conversation so far:")


async def test_the_session_goes_on_after_a_restart_from_the_sqlite_file(tmp_path: Path) -> None:
    db = tmp_path / "memory.db"
    first = SQLiteMemoryStore(db)
    await _talk(
        ConversationContext(memory=SessionMemory(first)), ["my name is Ada"], {"session_id": "call-1"}
    )
    await first.aclose()

    second = SQLiteMemoryStore(db)
    out = await _talk(
        ConversationContext(memory=SessionMemory(second)), ["what is my name"], {"session_id": "call-1"}
    )
    await second.aclose()
    request = out[0]
    assert [m["content"] for m in request.messages] == [
        "my name is Ada", "Your name is Ada.", "what is my name",
    ]  # fmt: skip


async def test_other_sessions_do_not_see_each_others_memory() -> None:
    store = InMemoryStore()
    await _talk(ConversationContext(memory=SessionMemory(store)), ["secret one"], {"session_id": "a"})
    out = await _talk(ConversationContext(memory=SessionMemory(store)), ["hello"], {"session_id": "b"})
    request = out[0]
    assert [m["content"] for m in request.messages] == ["hello"]


async def test_a_reply_still_playing_is_stored_only_once_it_was_heard() -> None:
    store = InMemoryStore()
    context = ConversationContext(memory=SessionMemory(store))
    graph = Graph.chain(UserAggregator(context=context), ScriptedAgent(script=["One two three four."]),
                        AssistantAggregator(context=context))  # fmt: skip
    async with Runtime(graph, metadata={"session_id": "s"}) as rt:
        out = rt.collect()
        await rt.push(TranscriptFrame(text="count"))
        while not any(isinstance(f, ResponseEndFrame) for f in out):
            await rt.clock.sleep(0.005)
        rid = next(f for f in out if isinstance(f, ResponseEndFrame)).response_id
        assert (await store.load("s")).messages == [{"role": "user", "content": "count"}]
        await rt.push(ReplyPlayedFrame(response_id=rid, text_played="One two", interrupted=True),
                      to="AssistantAggregator")  # fmt: skip
    assert (await store.load("s")).messages[-1] == {"role": "assistant", "content": "One two"}


async def test_the_extractive_summary_has_a_fixed_ceiling() -> None:
    summarizer = ExtractiveSummarizer(line_chars=50, max_chars=300)
    summary = ""
    for i in range(100):
        summary = await summarizer.summarize(summary, [{"role": "user", "content": f"fact {i} " * 20}])
    assert len(summary) <= 300 and summary.splitlines()[-1].startswith("User: fact 99")
