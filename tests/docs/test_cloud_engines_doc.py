"""The YAML of docs/cloud_engines.md (Cartesia) is a config and node specs that load."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from voicegraph.backends.config import load_config
from voicegraph.backends.providers import register_builtin
from voicegraph.backends.providers.cartesia import SPEC_FILE, register_cartesia
from voicegraph.framework.registry import registry
from voicegraph.framework.spec import params_model

PAGE = Path(__file__).resolve().parents[2] / "docs/cloud_engines.md"


def yaml_blocks() -> list[object]:
    return [yaml.safe_load(b) for b in re.findall(r"^```yaml\n(.*?)^```$", PAGE.read_text(), re.M | re.S)]


def test_the_serve_snippet_is_a_valid_config() -> None:
    register_builtin()  # as `voicegraph serve` does before reading a config
    data = yaml_blocks()[0]
    assert isinstance(data, dict)
    config = load_config({**data, "graph": str(SPEC_FILE)}, env={})  # the page's path is relative
    assert data["graph"] == SPEC_FILE.name and set(config.nodes) == {"stt", "tts"}


def test_the_node_snippet_has_valid_params(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTESIA_API_KEY", "sk_car_test")
    register_cartesia()
    nodes = yaml_blocks()[1]
    assert isinstance(nodes, list) and {n["type"] for n in nodes} == {"cartesia_stt", "cartesia_tts"}
    for node in nodes:
        factory = registry.get("processors", node["type"])
        factory(**dict(params_model(factory).model_validate(node["params"])))
