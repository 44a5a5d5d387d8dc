"""Vector stores (numpy in memory, SQLite on disk) and VectorIndex."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from voicegraph.framework import ErrorCode, VoiceError
from voicegraph.processors.rag import MemoryVectorStore, Passage, SQLiteVectorStore, VectorIndex, VectorStore

PASSAGES = [Passage("north", "a.md"), Passage("east", "b.md"), Passage("north-east", "a.md")]
VECTORS = np.array([[1, 0], [0, 1], [0.7071, 0.7071]], dtype=np.float32)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> VectorStore:
    s: VectorStore = (
        MemoryVectorStore("toy")
        if request.param == "memory"
        else SQLiteVectorStore(tmp_path / "kb.db", embedder_name="toy")
    )
    s.add(PASSAGES, VECTORS)
    return s


def test_search_returns_the_nearest_passages_best_first(store: VectorStore) -> None:
    hits = store.search(np.array([0.9, 0.1], dtype=np.float32), 2)
    assert [h.text for h in hits] == ["north", "north-east"] and hits[0].score > hits[1].score


def test_a_query_of_another_dimension_is_invalid_input(store: VectorStore) -> None:
    with pytest.raises(VoiceError) as info:
        store.search(np.ones(3, dtype=np.float32), 1)
    assert info.value.code is ErrorCode.INVALID_INPUT


def test_the_sqlite_store_keeps_passages_and_vectors_after_reopening(tmp_path: Path) -> None:
    first = SQLiteVectorStore(tmp_path / "kb.db", embedder_name="toy")
    first.add(PASSAGES, VECTORS)
    first.close()
    again = SQLiteVectorStore(tmp_path / "kb.db", embedder_name="toy")
    assert [p.text for p in again.passages()] == ["north", "east", "north-east"]
    assert np.allclose(again.matrix(), VECTORS) and again.embedders() == ["toy"]


def test_removing_a_source_drops_its_passages_and_vectors(tmp_path: Path) -> None:
    store = SQLiteVectorStore(tmp_path / "kb.db", embedder_name="toy")
    store.add(PASSAGES, VECTORS)
    assert store.remove_source("a.md") == 2
    assert [p.text for p in store.passages()] == ["east"] and store.matrix().shape == (1, 2)


def test_a_store_for_an_embedder_refuses_passages_without_vectors(tmp_path: Path) -> None:
    with pytest.raises(VoiceError) as info:
        SQLiteVectorStore(tmp_path / "kb.db", embedder_name="toy").add(PASSAGES)
    assert info.value.code is ErrorCode.INVALID_INPUT


class _Toy:
    def __init__(self, name: str = "toy") -> None:
        self.name = name

    async def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return np.array([[1.0, 0.0] if "n" in t else [0.0, 1.0] for t in texts], dtype=np.float32)


@pytest.mark.anyio
async def test_a_vector_index_embeds_the_query_and_applies_the_minimum_score(store: VectorStore) -> None:
    hits = await VectorIndex(_Toy(), store, min_score=0.5).search("n", 3)
    assert [h.text for h in hits] == ["north", "north-east"]


def test_a_vector_index_refuses_vectors_of_another_embedder() -> None:
    toy = _Toy("other")
    with pytest.raises(VoiceError) as info:
        VectorIndex(toy, MemoryVectorStore("toy"))
    assert info.value.code is ErrorCode.INVALID_CONFIG
