"""Every installed processor type loads by name and has a parameter model for specs."""

from __future__ import annotations

import pytest

from voicegraph.framework.registry import registry
from voicegraph.framework.spec import params_model

NAMES = registry.names("processors")


def test_the_stock_processors_are_registered() -> None:
    for name in ("vad", "silence_turn_detector", "whisper_stt", "llm", "sentence_aggregator", "piper_tts"):
        assert name in NAMES


@pytest.mark.parametrize("name", NAMES)
def test_processor_type_loads_with_a_params_model(name: str) -> None:
    factory = registry.get("processors", name)
    model = params_model(factory)
    assert "name" not in model.model_fields  # the node id is the name
