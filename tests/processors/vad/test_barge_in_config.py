"""The barge-in rule in specs: the stock agent's VAD uses the fast rule; bad params are coded."""

from __future__ import annotations

from typing import Any

import pytest

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.registry import registry
from voicegraph.framework.spec import GraphSpec, build_graph, params_model
from voicegraph.graphs.voice_agent import VoiceAgentOptions, voice_agent_spec
from voicegraph.processors.vad import VoiceActivityDetector


def vad_of(spec: GraphSpec) -> VoiceActivityDetector:
    """Build the spec's `vad` node alone, as the graph builder does (engines load later)."""
    node = next(n for n in spec.nodes if n.id == "vad")
    factory = registry.get("processors", node.type)
    vad = factory(**dict(params_model(factory).model_validate(node.params)), name=node.id)
    assert isinstance(vad, VoiceActivityDetector)
    return vad


def test_stock_agent_vad_uses_the_fast_barge_in_rule() -> None:
    rule = vad_of(voice_agent_spec()).barge_in
    assert (rule.rule, rule.start_secs, rule.confidence) == ("fast", 0.032, 0.9)


def test_the_stock_rule_can_be_chosen_for_a_b() -> None:
    assert vad_of(voice_agent_spec(VoiceAgentOptions(barge_in_rule="stock"))).barge_in.rule == "stock"


@pytest.mark.parametrize(("engine", "rule"), [("silero", "fast"), ("webrtc", "stock"), ("energy", "stock")])
def test_the_fast_rule_is_the_default_only_with_silero(engine: str, rule: str) -> None:
    assert VoiceActivityDetector(engine=engine).barge_in.rule == rule


@pytest.mark.parametrize("barge_in", [{"rule": "faster"}, {"start_secs": -1.0}])
def test_bad_barge_in_params_in_a_spec_are_invalid_config(barge_in: dict[str, Any]) -> None:
    params = {"engine": "energy", "barge_in": barge_in}
    with pytest.raises(VoiceError) as err:
        build_graph({"name": "g", "nodes": [{"id": "vad", "type": "vad", "params": params}]})
    assert err.value.code is ErrorCode.INVALID_CONFIG
