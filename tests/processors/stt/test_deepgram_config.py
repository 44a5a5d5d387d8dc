"""The YAML spec of docs/deepgram.md builds a graph with the Deepgram node by registry type."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.registry import registry
from voicegraph.framework.spec import build_graph
from voicegraph.processors.stt.deepgram_flux_stt import DeepgramFluxSTT
from voicegraph.processors.stt.deepgram_stt import DeepgramSTT

PAGE = Path(__file__).resolve().parents[3] / "docs" / "deepgram.md"


@pytest.fixture(autouse=True)
def _registered() -> None:
    # The entry points in pyproject.toml register both types once the package is
    # (re)installed; a venv installed before them gets them here.
    for name, factory in (("deepgram_stt", DeepgramSTT), ("deepgram_flux_stt", DeepgramFluxSTT)):
        if name not in registry.names("processors"):
            registry.register("processors", name, factory)


def _yaml() -> str:
    blocks = re.findall(r"^```yaml\n(.*?)^```$", PAGE.read_text(), re.M | re.S)
    assert len(blocks) == 1
    return str(blocks[0])


def test_the_documented_spec_builds_with_the_key_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEEPGRAM_API_KEY", "from-env")
    graph = build_graph(_yaml())
    stt = next(p for p in graph.processors.values() if isinstance(p, DeepgramSTT))
    assert stt.name == "stt"
    assert (
        "model=nova-3" in stt.url and "utterance_end_ms=1000" in stt.url and "keyterm=voicegraph" in stt.url
    )


def test_the_documented_spec_without_a_key_fails_naming_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEEPGRAM_API_KEY", raising=False)
    with pytest.raises(VoiceError) as info:
        build_graph(_yaml())
    assert info.value.code is ErrorCode.INVALID_CONFIG and "api_key" in str(info.value)


def test_a_flux_threshold_out_of_range_in_a_spec_is_named() -> None:
    spec = {
        "nodes": [{"id": "flux", "type": "deepgram_flux_stt", "params": {"api_key": "k", "eot_threshold": 2}}]
    }
    with pytest.raises(VoiceError) as info:
        build_graph(spec)
    assert info.value.code is ErrorCode.INVALID_CONFIG and "eot_threshold" in str(info.value)
