"""The real local LLM: SmolLM2-135M-Instruct served by llama.cpp (xllamacpp) on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from voicegraph.framework import Graph, Runtime
from voicegraph.framework.engine_registry import ENGINES
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import (
    LLMMessagesFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    MetricsFrame,
)
from voicegraph.processors.agent import LLMNode, LocalLLMNode, LocalLLMServer
from voicegraph.processors.engines.engine_preload import close_engines

pytestmark = pytest.mark.slow

ASK = LLMMessagesFrame(
    messages=(
        {"role": "system", "content": "You are a friendly voice assistant. Answer in one short sentence."},
        {"role": "user", "content": "What colour is the sky on a clear day?"},
    )
)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalLLMServer]:
    with LocalLLMServer(n_ctx=2048, threads=2) as srv:
        yield srv


def test_server_listens_on_loopback_and_names_its_model(server: LocalLLMServer) -> None:
    assert server.base_url.startswith("http://127.0.0.1:") and server.base_url.endswith("/v1")
    models = httpx.get(server.base_url + "/models", timeout=5).json()
    assert server.model in [m["id"] for m in models["data"]]


@pytest.mark.anyio
async def test_llm_node_streams_real_tokens_from_the_local_server(server: LocalLLMServer) -> None:
    node = LLMNode(base_url=server.base_url, model=server.model, params={"max_tokens": 24, "seed": 1})
    async with Runtime(Graph.chain(node)) as rt:
        out = rt.collect()
        await rt.push(ASK)
    texts = [f.text for f in out if isinstance(f, LLMTextFrame)]
    ends = [f for f in out if isinstance(f, LLMResponseEndFrame)]
    assert isinstance(next(f for f in out if not isinstance(f, MetricsFrame)), LLMResponseStartFrame)
    assert len(texts) > 1 and "".join(texts).strip()
    assert len(ends) == 1 and 1 < ends[0].usage["completion_tokens"] <= 24
    assert any("ttft_ms" in f.values for f in out if isinstance(f, MetricsFrame))
    assert not rt.bus.errors


@pytest.mark.anyio
async def test_local_llm_node_shares_one_server_that_outlives_its_sessions() -> None:
    first, second = LocalLLMNode(params={"max_tokens": 8}), LocalLLMNode(params={"max_tokens": 8})
    async with Runtime(Graph.chain(first)) as rt1, Runtime(Graph.chain(second)) as rt2:
        out = rt2.collect()
        await rt2.push(ASK)
        assert first.endpoints == second.endpoints
        url = first.endpoints[0].base_url
        assert not rt1.bus.errors
    assert sum(isinstance(f, LLMTextFrame) for f in out) > 1
    loads = ENGINES.loads()
    async with httpx.AsyncClient(timeout=2) as http:  # both sessions ended: still serving
        assert (await http.get(url + "/models")).status_code == 200
    third = LocalLLMNode(params={"max_tokens": 8})
    async with Runtime(Graph.chain(third)):
        assert third.endpoints[0].base_url == url
    assert ENGINES.loads() == loads


@pytest.mark.anyio
async def test_close_engines_stops_the_shared_server() -> None:
    node = LocalLLMNode(params={"max_tokens": 8})
    async with Runtime(Graph.chain(node)):
        url = node.endpoints[0].base_url
    await close_engines()
    async with httpx.AsyncClient(timeout=2) as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(url + "/models")


def test_missing_model_file_is_invalid_config() -> None:
    with pytest.raises(VoiceError) as info:
        LocalLLMServer(model_path="/nonexistent/model.gguf").start()
    assert info.value.code is ErrorCode.INVALID_CONFIG


def test_a_niced_server_lowers_its_own_threads_only() -> None:
    import os
    import threading

    me = threading.get_native_id()
    before = os.getpriority(os.PRIO_PROCESS, me)
    with LocalLLMServer(nice=before + 10) as niced:
        assert niced.reniced_threads >= 2  # llama.cpp's compute and HTTP threads
        tids = [int(t) for t in os.listdir("/proc/self/task")]
        lowered = [t for t in tids if os.getpriority(os.PRIO_PROCESS, t) == before + 10]
        assert len(lowered) >= niced.reniced_threads
        assert os.getpriority(os.PRIO_PROCESS, me) == before
        python = {t.native_id for t in threading.enumerate()}
        assert not python & set(lowered)
