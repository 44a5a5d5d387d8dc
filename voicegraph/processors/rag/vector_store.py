"""VectorStore: passages with their vectors, searched by cosine similarity (interface + in-memory)."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

import numpy as np

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.rag.bm25_index import top_passages
from voicegraph.processors.rag.passage import Passage

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray


class VectorStore(abc.ABC):
    """Holds passages and, per passage, one unit vector from one embedder.

    Implementations: `MemoryVectorStore` (numpy, in process) and `SQLiteVectorStore`
    (a file, as written by `voicegraph index`). Search is exact: one matrix-vector
    product (fast enough for tens of thousands of passages).
    """

    embedder_name: str = ""

    @abc.abstractmethod
    def add(self, passages: Sequence[Passage], vectors: NDArray[np.float32] | None = None) -> None:
        """Store passages (and their vectors, rows in the same order)."""

    @abc.abstractmethod
    def passages(self) -> list[Passage]:
        """Every passage stored, in id order."""

    @abc.abstractmethod
    def matrix(self) -> NDArray[np.float32]:
        """The vectors, one row per passage of `passages()` (shape (n, 0) without vectors)."""

    def search(self, vector: NDArray[np.float32], k: int) -> list[Passage]:
        """The `k` passages closest to `vector` (cosine), best first.

        Raises:
            VoiceError: (invalid_input) the store holds no vectors or another dimension.
        """
        matrix = self.matrix()
        if matrix.shape[0] == 0:
            return []
        if matrix.shape[1] != vector.shape[-1]:
            who = self.embedder_name or "no vectors"
            msg = f"query has {vector.shape[-1]} dims, store has {matrix.shape[1]} ({who})"
            raise VoiceError(ErrorCode.INVALID_INPUT, msg)
        scores: NDArray[np.float32] = matrix @ vector.reshape(-1).astype(np.float32)
        return top_passages(self.passages(), scores, k)

    def __len__(self) -> int:
        return len(self.passages())


class MemoryVectorStore(VectorStore):
    """Passages and vectors in process memory (numpy)."""

    def __init__(self, embedder_name: str = "") -> None:
        self.embedder_name = embedder_name
        self._passages: list[Passage] = []
        self._rows: list[NDArray[np.float32]] = []
        self._matrix: NDArray[np.float32] | None = None

    def add(self, passages: Sequence[Passage], vectors: NDArray[np.float32] | None = None) -> None:
        if vectors is not None and len(vectors) != len(passages):
            raise VoiceError(ErrorCode.INVALID_INPUT, f"{len(vectors)} vectors for {len(passages)} passages")
        if vectors is None and self._rows:
            raise VoiceError(ErrorCode.INVALID_INPUT, "this store holds vectors: add passages with theirs")
        base = len(self._passages)
        self._passages += [Passage(p.text, p.source, base + i) for i, p in enumerate(passages)]
        if vectors is not None:
            self._rows.append(np.asarray(vectors, dtype=np.float32))
        self._matrix = None

    def passages(self) -> list[Passage]:
        return list(self._passages)

    def matrix(self) -> NDArray[np.float32]:
        if self._matrix is None:
            self._matrix = np.concatenate(self._rows) if self._rows else np.zeros((0, 0), dtype=np.float32)
        return self._matrix
