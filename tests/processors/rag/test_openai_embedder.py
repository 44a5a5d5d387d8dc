"""OpenAIEmbedder against a fake `/v1/embeddings` server on 127.0.0.1."""

from __future__ import annotations

import numpy as np
import pytest

from tests.fakes.openai_embeddings import FakeEmbeddingsServer
from voicegraph.framework import ErrorCode, VoiceError
from voicegraph.processors.rag import OpenAIEmbedder

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(20)]


async def test_vectors_come_back_in_input_order_normalized_and_batched() -> None:
    async with FakeEmbeddingsServer(dim=64, api_key="sk-e") as server:
        async with OpenAIEmbedder(base_url=server.base_url, api_key="sk-e", model="m", batch_size=2) as emb:
            vectors = await emb.embed(["red apple", "green tree", "red apple pie"])
    assert vectors.shape == (3, 64)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert vectors[0] @ vectors[2] > 0.7 and vectors[0] @ vectors[1] < 0.3
    assert [r["input"] for r in server.requests] == [["red apple", "green tree"], ["red apple pie"]]
    assert server.requests[0]["model"] == "m" and emb.name == "openai:m"


async def test_a_rejected_key_is_authentication_failed() -> None:
    async with (
        FakeEmbeddingsServer(api_key="right") as server,
        OpenAIEmbedder(base_url=server.base_url, api_key="wrong") as emb,
    ):
        with pytest.raises(VoiceError) as info:
            await emb.embed(["x"])
    assert info.value.code is ErrorCode.AUTHENTICATION_FAILED


async def test_a_server_error_is_a_retriable_connection_failure() -> None:
    async with FakeEmbeddingsServer() as server, OpenAIEmbedder(base_url=server.base_url) as emb:
        server.fail_next.append(503)
        with pytest.raises(VoiceError) as info:
            await emb.embed(["x"])
    assert info.value.code is ErrorCode.CONNECTION_FAILED and info.value.retriable


async def test_a_closed_port_is_a_connection_failure() -> None:
    async with FakeEmbeddingsServer() as server:
        url = server.base_url
    async with OpenAIEmbedder(base_url=url) as emb:
        with pytest.raises(VoiceError) as info:
            await emb.embed(["x"])
    assert info.value.code is ErrorCode.CONNECTION_FAILED
