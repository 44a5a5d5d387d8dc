"""OpenAIEmbedder (RAG) behind the HTTP fault proxy: every fault is one coded error, then it works again."""

from __future__ import annotations

import urllib.parse

import anyio
import pytest

from tests.fakes.openai_embeddings import FakeEmbeddingsServer
from voicegraph.framework import ErrorCode, VoiceError
from voicegraph.processors.rag import OpenAIEmbedder
from voicegraph.testing import Fault, FaultSchedule, HttpFaultProxy

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(30)]

TIMEOUT_S = 1.0


@pytest.mark.parametrize(
    ("fault", "codes"),
    [
        (Fault.STATUS_500, {ErrorCode.CONNECTION_FAILED}),
        (Fault.STATUS_429, {ErrorCode.RATE_LIMIT_EXCEEDED}),
        (Fault.DROP, {ErrorCode.CONNECTION_FAILED}),
        (Fault.TRUNCATE, {ErrorCode.CONNECTION_FAILED, ErrorCode.PROTOCOL_ERROR}),
        (Fault.STALL, {ErrorCode.TIMEOUT, ErrorCode.CONNECTION_TIMEOUT}),
    ],
)
async def test_a_faulted_request_is_one_coded_error_and_the_next_one_works(
    fault: Fault, codes: set[ErrorCode]
) -> None:
    async with FakeEmbeddingsServer(dim=16) as server:
        port = urllib.parse.urlsplit(server.base_url).port
        assert port is not None
        async with HttpFaultProxy(port, schedule=FaultSchedule(stall_s=10.0)) as proxy:
            base = server.base_url.replace(f":{port}", f":{proxy.port}")
            async with OpenAIEmbedder(base_url=base, timeout_s=TIMEOUT_S) as emb:
                proxy.schedule.inject_next("request", fault)
                with anyio.fail_after(TIMEOUT_S + 2), pytest.raises(VoiceError) as err:
                    await emb.embed(["red apple"])
                again = await emb.embed(["red apple"])
    assert err.value.code in codes
    assert again.shape == (1, 16)
