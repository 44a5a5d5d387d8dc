"""RAG over a folder of Markdown: index it, then answer with the passages that match.

Shows: `index_folder` (what `voicegraph index DIR --db kb.db` runs: Markdown split into
passages, stored in SQLite, searched with BM25 by default: no extra packages) and the
`Retriever` node, placed between the user context and the LLM: it adds the best
passages to the request as one system message (for this request only). The folder is
examples/rag_docs (returns, shipping, opening hours of a made-up shop).

Run:  python examples/rag_over_markdown.py ["how long does delivery take?"]
      (retrieval, then the local LLM answers with the passages: SmolLM2-135M, small)
Smoke: python examples/rag_over_markdown.py --smoke
      (retrieval only: prints the passage each question found; no LLM)
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from voicegraph.framework import Graph, Outbox, Processor, Runtime, handles
from voicegraph.framework.frames import LLMMessagesFrame, LLMResponseEndFrame, LLMTextFrame
from voicegraph.processors.agent import LocalLLMNode
from voicegraph.processors.rag import Retriever, index_folder

DOCS = Path(__file__).with_name("rag_docs")
QUESTIONS = ["How long does express delivery take?", "When can I call you on Saturday?"]


class ShowPassages(Processor):
    """Prints the question and the best passage's source; passes the request on unchanged."""

    @handles
    async def on_request(self, frame: LLMMessagesFrame, out: Outbox) -> None:
        added = next(m for m in reversed(frame.messages) if m["role"] == "system")  # the Retriever's
        best = next(x for x in str(added["content"]).splitlines() if x.startswith("[1]"))
        print(f"question: {frame.messages[-1]['content']}\n  found: {best[:90]}")
        await out.send(frame)


async def ask(db: Path, questions: list[str], llm: bool) -> None:
    nodes: list[Processor] = [Retriever(db=str(db), top_k=2), ShowPassages()]
    if llm:
        nodes.append(LocalLLMNode(params={"max_tokens": 60, "temperature": 0.2}))
    async with Runtime(Graph.chain(*nodes), start_timeout=180.0) as rt:
        out = rt.collect()
        for text in questions:
            system = {"role": "system", "content": "Answer in one short sentence."}
            await rt.push(LLMMessagesFrame(messages=(system, {"role": "user", "content": text})))
    answer = ""
    for frame in out:
        if isinstance(frame, LLMTextFrame):
            answer += frame.text
        elif isinstance(frame, LLMResponseEndFrame):
            print(f"answer: {answer.strip()}")
            answer = ""


async def main(questions: list[str], smoke: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "kb.db"
        report = await index_folder(DOCS, db)
        print(f"indexed {len(report.files)} files, {report.passages} passages")
        await ask(db, questions, llm=not smoke)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("question", nargs="*")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.question or QUESTIONS, args.smoke))
