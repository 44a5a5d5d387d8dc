"""The `cartesia` preset: the stock spec with Cartesia nodes, its example config, any transport."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicegraph.backends.config import load_config
from voicegraph.backends.from_config import graph_source
from voicegraph.backends.providers import register_builtin
from voicegraph.backends.providers.cartesia import (
    SPEC_FILE,
    build_cartesia_voice_agent,
    cartesia_voice_agent_spec,
    register_cartesia,
)
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.spec import load_spec
from voicegraph.graphs.voice_agent import voice_agent_spec
from voicegraph.processors.stt.cartesia_stt import CartesiaSTT
from voicegraph.processors.tts.cartesia_tts import CartesiaTTS
from voicegraph.transports.memory_transport import MemoryTransport

EXAMPLE = Path(__file__).resolve().parents[3] / "voicegraph/backends/serve_voice_agent_cartesia.yaml"


def test_only_the_stt_and_tts_nodes_differ_from_the_stock_spec() -> None:
    stock = {n.id: n for n in voice_agent_spec().nodes}
    preset = {n.id: n for n in cartesia_voice_agent_spec().nodes}
    assert list(stock) == list(preset)
    assert (preset["stt"].type, preset["tts"].type) == ("cartesia_stt", "cartesia_tts")
    assert all(preset[i] == stock[i] for i in stock if i not in ("stt", "tts"))


def test_the_preset_builds_with_cartesia_nodes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTESIA_API_KEY", "sk_car_test")
    graph = build_cartesia_voice_agent(MemoryTransport())
    assert isinstance(graph.processors["stt"], CartesiaSTT)
    assert isinstance(graph.processors["tts"], CartesiaTTS)


def test_the_preset_without_a_key_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARTESIA_API_KEY", raising=False)
    with pytest.raises(VoiceError) as err:
        build_cartesia_voice_agent(MemoryTransport())
    assert err.value.code is ErrorCode.INVALID_CONFIG
    assert any("api_key_env" in d and "CARTESIA_API_KEY" in d for d in err.value.details)


@pytest.mark.parametrize("transport", ["websocket", "webrtc", "twilio", "memory"])
def test_the_example_config_loads_for_any_transport(transport: str) -> None:
    register_builtin()  # as `voicegraph serve` does before reading a config
    config = load_config(EXAMPLE, env={"VOICEGRAPH_BACKEND__PROVIDER": transport})
    assert config.backend.provider == transport
    assert config.graph == "voice_agent_cartesia.yaml"


def test_the_spec_file_is_what_the_preset_function_gives() -> None:
    assert load_spec(SPEC_FILE) == cartesia_voice_agent_spec()


def test_the_example_config_builds_sessions_with_its_node_params(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTESIA_API_KEY", "sk_car_test")
    register_cartesia()
    graph = graph_source(load_config(EXAMPLE, env={}))(MemoryTransport())
    tts = graph.processors["tts"]
    fmt = tts.output_format(None)
    assert isinstance(tts, CartesiaTTS) and fmt is not None and fmt.rate == 24000
    assert isinstance(graph.processors["stt"], CartesiaSTT)
