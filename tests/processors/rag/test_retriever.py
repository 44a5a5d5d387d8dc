"""RAG end to end: `voicegraph index` a folder, then a call whose answer is only in one document."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.openai_chat import FakeOpenAIChatServer, FakeReply
from tests.fakes.openai_embeddings import FakeEmbeddingsServer
from voicegraph.cli import main
from voicegraph.framework import ErrorCode, Graph, Runtime, VoiceError
from voicegraph.framework.frames import LLMMessagesFrame, LLMTextFrame, MetricsFrame, TranscriptFrame
from voicegraph.processors.agent import LLMNode
from voicegraph.processors.context import AssistantAggregator, ConversationContext, UserAggregator
from voicegraph.processors.rag import BM25Index, Passage, Retriever

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]

DOCS = {
    "hours.md": "# Opening hours\n\nThe Lindenhof clinic opens at 7:30 and closes at 16:00 on weekdays.\n",
    "parking.md": "# Parking\n\nVisitors park in the garage on Mill Street. The first hour is free.\n",
    "notes/insurance.txt": "Bring your insurance card and a photo ID to every appointment.\n",
}
QUESTION = "What time does the Lindenhof clinic open?"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name, text in DOCS.items():
        (tmp_path / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "docs" / name).write_text(text)
    return tmp_path / "docs"


@pytest.fixture
async def chat() -> AsyncIterator[FakeOpenAIChatServer]:
    async with FakeOpenAIChatServer() as srv:
        srv.default = FakeReply(texts=("It opens at 7:30.",))
        yield srv


async def _ask(chat: FakeOpenAIChatServer, retriever: Retriever) -> list[Any]:
    context = ConversationContext(system_prompt="You answer questions about the clinic.")
    graph = Graph.chain(
        UserAggregator(context=context),
        retriever,
        LLMNode(base_url=chat.base_url, model="fake", retry={"max_attempts": 1}),
        AssistantAggregator(context=context, commit_on="generated"),
    )
    async with Runtime(graph) as rt:
        out = rt.collect()
        await rt.push(TranscriptFrame(text=QUESTION))
    assert "".join(f.text for f in out if isinstance(f, LLMTextFrame)) == "It opens at 7:30."
    assert any(isinstance(f, MetricsFrame) and "retrieval_ms" in f.values for f in out)
    messages: list[Any] = chat.requests[-1].body["messages"]
    return messages


async def _cli(argv: list[str]) -> int:
    """`voicegraph ...` in a worker thread (the command runs its own event loop)."""
    return await asyncio.to_thread(main, argv)


def _assert_only_the_hours_passage_leads(messages: list[dict[str, Any]]) -> None:
    roles = [m["role"] for m in messages]
    assert roles == ["system", "system", "user"]  # the passages sit just before the question
    note = messages[1]["content"]
    assert "[1] (source: hours.md)" in note and "opens at 7:30" in note
    assert note.index("hours.md") < note.find("parking.md") or "parking.md" not in note
    assert messages[2]["content"] == QUESTION


async def test_bm25_rag_puts_the_indexed_answer_into_the_prompt(
    folder: Path, tmp_path: Path, chat: FakeOpenAIChatServer, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "kb.db"
    assert await _cli(["index", str(folder), "--db", str(db)]) == 0
    printed = capsys.readouterr()
    assert "indexed 3 files" in printed.out
    progress = [x for x in printed.err.splitlines() if x.startswith("[")]
    assert [x.split("]")[0] for x in progress] == ["[1/3", "[2/3", "[3/3"], "one progress line per file"
    assert any("hours.md: " in x and "passages" in x for x in progress)
    _assert_only_the_hours_passage_leads(await _ask(chat, Retriever(db=str(db))))


async def test_openai_embeddings_rag_puts_the_indexed_answer_into_the_prompt(
    folder: Path, tmp_path: Path, chat: FakeOpenAIChatServer
) -> None:
    db = tmp_path / "kb.db"
    async with FakeEmbeddingsServer() as emb:
        params = {"base_url": emb.base_url, "model": "fake-embed", "api_key": "sk-x"}
        argv = ["index", str(folder), "--db", str(db), "--embedder", "openai"]
        assert await _cli([*argv, "--embedder-params", json.dumps(params)]) == 0
        retriever = Retriever(db=str(db), embedder="openai", embedder_params=params, top_k=1)
        messages = await _ask(chat, retriever)
        assert emb.requests[-1]["input"] == [QUESTION]
    _assert_only_the_hours_passage_leads(messages)


async def test_local_minilm_rag_puts_the_indexed_answer_into_the_prompt(
    folder: Path, tmp_path: Path, chat: FakeOpenAIChatServer
) -> None:
    db = tmp_path / "kb.db"
    assert await _cli(["index", str(folder), "--db", str(db), "--embedder", "minilm"]) == 0
    messages = await _ask(chat, Retriever(db=str(db), embedder="minilm", top_k=1))
    _assert_only_the_hours_passage_leads(messages)


async def test_a_question_the_knowledge_base_cannot_answer_leaves_the_request_as_it_was(
    chat: FakeOpenAIChatServer,
) -> None:
    retriever = Retriever(index=BM25Index([Passage("Visitors park on Mill Street.", "parking.md")]))
    async with Runtime(Graph.chain(retriever)) as rt:
        out = rt.collect()
        request = LLMMessagesFrame(messages=({"role": "user", "content": "Do you sell bicycles?"},))
        await rt.push(request)
    (forwarded,) = [f for f in out if isinstance(f, LLMMessagesFrame)]
    assert forwarded.messages == request.messages


async def test_a_store_indexed_without_the_chosen_embedder_fails_the_start_with_invalid_config(
    folder: Path, tmp_path: Path
) -> None:
    db = tmp_path / "kb.db"
    assert await _cli(["index", str(folder), "--db", str(db)]) == 0
    rt = Runtime(Graph.chain(Retriever(db=str(db), embedder="minilm")))
    with pytest.raises(VoiceError) as info:
        await rt.start()
    assert info.value.code is ErrorCode.INVALID_CONFIG


def test_a_retriever_without_an_index_is_invalid_config() -> None:
    with pytest.raises(VoiceError) as info:
        Retriever()
    assert info.value.code is ErrorCode.INVALID_CONFIG
