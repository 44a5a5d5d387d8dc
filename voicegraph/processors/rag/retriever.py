"""Retriever: adds the passages most relevant to the user's words to the LLM request."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import LLMMessagesFrame, MetricsFrame
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles
from voicegraph.processors.context.message_content import content_text
from voicegraph.processors.rag.index_loader import make_embedder, open_index

if TYPE_CHECKING:
    from collections.abc import Mapping

    from voicegraph.framework.context import StartContext
    from voicegraph.processors.rag.embedder import Embedder
    from voicegraph.processors.rag.passage import Passage
    from voicegraph.processors.rag.vector_index import SearchIndex

INSTRUCTIONS = (
    "Passages from the knowledge base that may help with the user's last message. Use them when they "
    "answer it; if they do not, say you do not know rather than guessing."
)


class Retriever(Processor):
    """Retrieval-augmented generation: searches a knowledge base before the LLM runs.

    Place it between the `UserAggregator` and the LLM. Handles: `LLMMessagesFrame`; the
    query is the text of the last `query_turns` user messages. Emits: the same frame with
    one extra `system` message holding the top `top_k` passages (numbered, with their
    source, at most `max_chars` of them) just before the last user message, plus a
    `MetricsFrame` (`retrieval_ms`, `passages`). The passages go into this request only,
    not into the conversation context. Other frames pass through.

    The index is given (`index`: a `BM25Index`, `VectorIndex`...) or opened at start
    from a file written by `voicegraph index` (`db`), with `embedder` `bm25` (keyword
    search, no extra packages), `openai` or `minilm` (must match the one used to index).
    Latency: BM25 well under 1 ms; MiniLM ~12 ms per query; an embeddings API one round
    trip. Flush: nothing held (a search in flight finishes; its frame is stale and
    dropped downstream). Drain: nothing held.

    Raises:
        VoiceError: (invalid_config) neither `index` nor `db`, or a bad embedder.
    """

    latency = LatencySpec(ms=15.0, note="BM25 < 1 ms, MiniLM ~12 ms; an embeddings API: one round trip")

    def __init__(
        self,
        *,
        index: SearchIndex | None = None,
        db: str | None = None,
        embedder: str = "bm25",
        embedder_params: Mapping[str, Any] | None = None,
        top_k: int = 3,
        min_score: float = 0.0,
        max_chars: int = 3_000,
        query_turns: int = 1,
        instructions: str = INSTRUCTIONS,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        if index is None and db is None:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "Retriever needs an index or a db file", node=name)
        if top_k < 1 or query_turns < 1:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "top_k and query_turns must be at least 1", node=name)
        self.index = index
        self._db = db
        self._embedder_kind = embedder
        self._embedder_params = dict(embedder_params or {})
        self._embedder: Embedder | None = None
        self.top_k, self.min_score, self.max_chars = top_k, min_score, max_chars
        self.query_turns = query_turns
        self.instructions = instructions

    async def on_start(self, ctx: StartContext) -> None:
        """Open the index file (off the event loop) when no index was given."""
        if self.index is None and self._db is not None:
            self._embedder = make_embedder(self._embedder_kind, self._embedder_params)
            self.index = await asyncio.to_thread(
                open_index, self._db, self._embedder, min_score=self.min_score
            )

    async def on_stop(self) -> None:
        close = getattr(self._embedder, "aclose", None)
        if close is not None:
            await close()

    @handles
    async def on_messages(self, frame: LLMMessagesFrame, out: Outbox) -> None:
        users = [i for i, m in enumerate(frame.messages) if m.get("role") == "user"]
        query = " ".join(content_text(frame.messages[i]) for i in users[-self.query_turns :]).strip()
        if not users or not query or self.index is None:
            await out.send(frame)
            return
        t0 = time.perf_counter()
        passages = await self.index.search(query, self.top_k)
        ms = (time.perf_counter() - t0) * 1e3
        await out.send(
            MetricsFrame(node=self.name, values={"retrieval_ms": ms, "passages": float(len(passages))})
        )
        if not passages:
            await out.send(frame)
            return
        at = users[-1]
        note = {"role": "system", "content": self.render(passages)}
        messages = (*frame.messages[:at], note, *frame.messages[at:])
        await out.send(dataclasses.replace(frame, messages=messages))

    def render(self, passages: list[Passage]) -> str:
        """The system message text for `passages` (numbered, with sources, within `max_chars`)."""
        parts = [self.instructions]
        used = len(self.instructions)
        for n, p in enumerate(passages, 1):
            block = f"[{n}] (source: {p.source or 'unknown'})\n{p.text.strip()}"
            if used + len(block) > self.max_chars and n > 1:
                break
            parts.append(block[: max(0, self.max_chars - used)] if n == 1 else block)
            used += len(block) + 2
        return "\n\n".join(parts)
