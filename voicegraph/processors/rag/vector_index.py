"""VectorIndex and SearchIndex: semantic search (embedder + vector store) behind one interface."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from voicegraph.processors.rag.embedder import Embedder
    from voicegraph.processors.rag.passage import Passage
    from voicegraph.processors.rag.vector_store import VectorStore


class SearchIndex(Protocol):
    """Finds the passages most relevant to a query: `BM25Index` or `VectorIndex`."""

    async def search(self, query: str, k: int) -> list[Passage]:
        """The best `k` passages, best first."""
        ...


class VectorIndex:
    """Embeds the query and returns the nearest passages of a `VectorStore`.

    Latency: one embedding call (a network round trip for `OpenAIEmbedder`, a few ms on
    the CPU for `MiniLMEmbedder`) plus one matrix-vector product.

    Args:
        embedder: must be the model the store's vectors were made with.
        store: passages and vectors.
        min_score: cosine similarity below which a passage is not returned.

    Raises:
        VoiceError: (invalid_config) the store's vectors come from another embedder.
    """

    def __init__(self, embedder: Embedder, store: VectorStore, *, min_score: float = 0.0) -> None:
        if store.embedder_name and store.embedder_name != embedder.name:
            msg = f"store vectors are from {store.embedder_name}, not {embedder.name}"
            raise VoiceError(ErrorCode.INVALID_CONFIG, msg)
        self.embedder = embedder
        self.store = store
        self.min_score = min_score

    async def search(self, query: str, k: int) -> list[Passage]:
        vector = (await self.embedder.embed([query]))[0]
        return [p for p in self.store.search(vector, k) if p.score >= self.min_score]
