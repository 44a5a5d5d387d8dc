"""Fallback chains from config: the docs page's YAML builds, bad chains fail with a code
and the field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from voicegraph.backends.providers import register_builtin
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.spec import build_graph
from voicegraph.processors.fallback import FallbackLLM, FallbackSTT, FallbackTTS

DOC = Path(__file__).parents[3] / "docs" / "fallback.md"


@pytest.fixture(autouse=True)
def setup(cartesia_key: str) -> None:
    register_builtin()  # the fallback types, where the installed entry points predate them


def doc_spec() -> dict[str, Any]:
    block = re.search(r"^```yaml\n(.*?)^```$", DOC.read_text(), re.M | re.S)
    assert block is not None
    spec: dict[str, Any] = yaml.safe_load(block.group(1))
    return spec


def test_the_documented_spec_builds_a_chain_in_each_slot() -> None:
    graph = build_graph(doc_spec())
    stt, llm, tts = (graph.processors[k] for k in ("stt", "llm", "tts"))
    assert isinstance(stt, FallbackSTT) and isinstance(llm, FallbackLLM) and isinstance(tts, FallbackTTS)
    assert [e.name for e in stt.engines] == ["stt.0:deepgram_stt", "stt.1:whisper_stt"]
    assert [type(e).__name__ for e in llm.engines] == ["LLMNode", "ScriptedAgent"]
    assert [type(e).__name__ for e in tts.engines] == ["CartesiaTTS", "EspeakTTS"]
    assert (llm.attempt_timeout_s, tts.probe_interval_s, tts.max_probe_interval_s) == (8.0, 1.0, 30.0)
    assert (stt.role, llm.role, tts.role) == ("stt", "agent", "tts")


def _spec_error(params: dict[str, Any], type_: str = "fallback_tts") -> VoiceError:
    spec = {"name": "g", "nodes": [{"id": "slot", "type": type_, "params": params}]}
    with pytest.raises(VoiceError) as caught:
        build_graph(spec)
    return caught.value


@pytest.mark.parametrize(
    ("engines", "field"),
    [
        ([{"type": "espeak_tts"}], "engines"),
        ([{"type": "espeak_tts"}, "piper_tts"], "engines[1]"),
        ([{"type": "no_such_tts"}, {"type": "espeak_tts"}], "engines[0].type"),
        ([{"type": "espeak_tts", "params": {"rate": 3}}, {"type": "espeak_tts"}], "engines[0].params.rate"),
        ([{"type": "espeak_tts"}, {"type": "fallback_tts"}], "engines[1].type"),
        ([{"type": "espeak_tts", "parms": {}}, {"type": "espeak_tts"}], "engines[0]"),
    ],
)
def test_a_bad_chain_is_invalid_config_naming_the_field(engines: list[Any], field: str) -> None:
    err = _spec_error({"engines": engines})
    assert err.code is ErrorCode.INVALID_CONFIG
    assert any(f"): {field}" in d or f"): {field}:" in d for d in err.details), err.details


def test_engines_of_different_audio_formats_cannot_share_a_tts_slot() -> None:
    engines = [{"type": "cartesia_tts", "params": {"sample_rate": 16000}}, {"type": "espeak_tts"}]
    err = _spec_error({"engines": engines})
    assert err.code is ErrorCode.NOT_NEGOTIATED
