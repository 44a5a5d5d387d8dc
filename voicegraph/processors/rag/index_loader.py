"""open_index / make_embedder: a search index from a `voicegraph index` file, by configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.rag.bm25_index import BM25Index
from voicegraph.processors.rag.sqlite_vector_store import SQLiteVectorStore
from voicegraph.processors.rag.vector_index import VectorIndex

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from voicegraph.processors.rag.embedder import Embedder
    from voicegraph.processors.rag.vector_index import SearchIndex

EMBEDDERS = ("bm25", "openai", "minilm")


def make_embedder(kind: str, params: Mapping[str, Any] | None = None) -> Embedder | None:
    """An embedder by name: `bm25` (None: keyword search), `openai`, or `minilm`.

    Raises:
        VoiceError: (invalid_config) an unknown name or bad parameters;
            (missing_dependency) the embedder's packages are not installed.
    """
    options = dict(params or {})
    try:
        if kind == "bm25":
            return None
        if kind == "openai":
            from voicegraph.processors.rag.openai_embedder import OpenAIEmbedder

            return OpenAIEmbedder(**options)
        if kind == "minilm":
            from voicegraph.processors.rag.minilm_embedder import MiniLMEmbedder

            return MiniLMEmbedder(**options)
    except TypeError as exc:
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"bad {kind} embedder parameters: {exc}") from exc
    raise VoiceError(ErrorCode.INVALID_CONFIG, f"unknown embedder {kind!r} (known: {', '.join(EMBEDDERS)})")


def open_index(path: str | Path, embedder: Embedder | None = None, *, min_score: float = 0.0) -> SearchIndex:
    """The search index of a store file: vector search with `embedder`, else BM25 over its text.

    Blocking (reads the file); call it off the event loop in a node.

    Raises:
        VoiceError: (invalid_config) the file holds no vectors from `embedder`, or no passages.
    """
    store = SQLiteVectorStore(path, embedder_name=embedder.name if embedder is not None else "")
    try:
        if embedder is None:
            passages = store.passages()
            if not passages:
                raise VoiceError(
                    ErrorCode.INVALID_CONFIG, f"{path} holds no passages (run `voicegraph index`)"
                )
            return BM25Index(passages)
        if embedder.name not in store.embedders():
            have = ", ".join(store.embedders()) or "none"
            msg = f"{path} has no vectors from {embedder.name} (it has: {have}); index with that embedder"
            raise VoiceError(ErrorCode.INVALID_CONFIG, msg)
        store.matrix()  # load into memory now, then the file can close
        return VectorIndex(embedder, store, min_score=min_score)
    finally:
        store.close()
