"""The context, RAG and workflow nodes built from a YAML graph spec, sharing a context by name."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from voicegraph.framework import Graph, Runtime
from voicegraph.framework.frames import LLMMessagesFrame, TranscriptFrame
from voicegraph.framework.registry import Registry
from voicegraph.framework.spec import build_graph
from voicegraph.processors.agent import ScriptedAgent, WorkflowEvent, WorkflowTrigger
from voicegraph.processors.context import AssistantAggregator, UserAggregator
from voicegraph.processors.rag import Retriever

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(20)]

SEEN: list[WorkflowEvent] = []


async def remember(event: WorkflowEvent) -> None:
    """A workflow named in the spec."""
    SEEN.append(event)


def _registry() -> Registry:
    reg = Registry(load_entry_points=False)
    for name, factory in {
        "user_aggregator": UserAggregator, "assistant_aggregator": AssistantAggregator,
        "retriever": Retriever, "scripted_agent": ScriptedAgent, "workflow_trigger": WorkflowTrigger,
    }.items():  # fmt: skip
        reg.register("processors", name, factory)
    return reg


SPEC = """
name: spec-agent
nodes:
  - {id: user, type: user_aggregator, params: {context: main, system_prompt: "Help {caller_name}.",
     memory_db: "%(db)s", max_context_chars: 4000}}
  - {id: rag, type: retriever, params: {index: null, db: "%(kb)s"}}
  - {id: agent, type: scripted_agent, params: {default: "We open at 7:30."}}
  - {id: events, type: workflow_trigger, params: {on_call_ended: ["%(mod)s:remember"], context: main}}
  - {id: assistant, type: assistant_aggregator, params: {context: main, commit_on: generated}}
"""


async def test_a_spec_graph_answers_with_rag_and_remembers_the_call(tmp_path: Path) -> None:
    kb = tmp_path / "kb.db"
    from voicegraph.processors.rag import Passage, SQLiteVectorStore

    store = SQLiteVectorStore(kb)
    store.add([Passage("The clinic opens at 7:30 on weekdays.", "hours.md")])
    store.close()
    text = SPEC % {"db": tmp_path / "memory.db", "kb": kb, "mod": __name__}
    graph: Graph = build_graph(text, reg=_registry())
    seen: list[LLMMessagesFrame] = []
    metadata = {"session_id": "c1", "variables": {"caller_name": "Ada"}}
    async with Runtime(graph, metadata=metadata) as rt:
        rt.observe("rag", "agent", lambda f, _: seen.append(f) if isinstance(f, LLMMessagesFrame) else None)
        await rt.push(TranscriptFrame(text="when does the clinic open"))
        await asyncio.sleep(0.05)
    messages = seen[0].messages
    assert messages[0] == {"role": "system", "content": "Help Ada."}
    assert "opens at 7:30" in messages[1]["content"] and messages[2]["role"] == "user"
    (ended,) = [e for e in SEEN if e.session_id == "c1"]
    assert [m["role"] for m in ended.messages] == ["system", "user", "assistant"]
