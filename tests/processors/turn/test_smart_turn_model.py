"""SmartTurnModel: locating the bundled model, its features, and its contract."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

import numpy as np
import pytest

from tests.speech import synthesize
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.registry import registry
from voicegraph.processors.turn import SmartTurnDetector, SmartTurnModel, smart_turn_model
from voicegraph.processors.turn.smart_turn_features import fit_window, log_mel_features

ROOT = Path(__file__).resolve().parents[3]


def test_features_match_the_whisper_feature_extraction_the_model_was_trained_on() -> None:
    from pipecat.audio.turn.smart_turn._whisper_features import compute_whisper_log_mel_features

    pcm = synthesize("I would like to book a table for two people tonight.", engine="piper")
    for audio in (pcm.astype(np.float32) / 32768.0, np.zeros(3000, np.float32)):
        window = fit_window(audio)
        ours, reference = log_mel_features(window), compute_whisper_log_mel_features(window)
        assert ours.shape == (80, 800)
        assert np.allclose(ours, reference, atol=1e-5)


def test_the_model_is_found_in_the_pipecat_wheel() -> None:
    path = smart_turn_model.bundled_model_path()
    assert path.is_file() and path.suffix == ".onnx"


def test_without_pipecat_the_error_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "pipecat" else real(name))
    with pytest.raises(VoiceError) as err:
        SmartTurnModel()
    assert err.value.code is ErrorCode.MISSING_DEPENDENCY
    assert "pipecat-ai" in str(err.value)


def test_a_missing_model_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(VoiceError) as err:
        SmartTurnModel(model_path=str(tmp_path / "nope.onnx"))
    assert err.value.code is ErrorCode.INVALID_CONFIG


def test_a_file_that_is_not_a_model_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(VoiceError) as err:
        SmartTurnModel(model_path=str(bad)).load()
    assert err.value.code is ErrorCode.INVALID_CONFIG


def test_a_model_of_another_kind_is_a_config_error() -> None:
    from voicegraph.processors.vad.silero_vad_engine import silero_model_path

    with pytest.raises(VoiceError) as err:
        SmartTurnModel(model_path=str(silero_model_path())).load()
    assert err.value.code is ErrorCode.INVALID_CONFIG


def test_the_model_hears_a_finished_question_as_more_finished_than_a_filler() -> None:
    model = SmartTurnModel()
    tail = np.zeros(3200, np.float32)
    done, cut = (
        np.concatenate([synthesize(text, engine="piper").astype(np.float32) / 32768.0, tail])
        for text in ("Can you tell me the weather in Paris?", "I need eggs, milk, and")
    )
    assert model.predict(done) > 0.5 > model.predict(cut)


def test_thresholds_out_of_order_are_a_config_error() -> None:
    with pytest.raises(VoiceError) as err:
        SmartTurnDetector(threshold=0.3, unsure=0.6)
    assert err.value.code is ErrorCode.INVALID_CONFIG


def test_the_node_type_is_declared_and_builds_from_the_registry() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = project["project"]["entry-points"]["voicegraph.processors"]
    assert declared["smart_turn_detector"] == "voicegraph.processors.turn:SmartTurnDetector"
    if "smart_turn_detector" not in registry.names("processors"):  # a venv installed before it
        registry.register("processors", "smart_turn_detector", SmartTurnDetector)
    node = registry.get("processors", "smart_turn_detector")(threshold=0.6, max_delay=1.5)
    assert isinstance(node, SmartTurnDetector) and node.threshold == 0.6


def test_the_documented_graph_builds_with_a_smart_turn_detector() -> None:
    import re

    import yaml

    from voicegraph.framework.spec import build_graph

    if "smart_turn_detector" not in registry.names("processors"):  # a venv installed before it
        registry.register("processors", "smart_turn_detector", SmartTurnDetector)
    page = (ROOT / "docs" / "turn_taking.md").read_text()
    block = re.search(r"^```yaml\n(.*?)^```$", page, re.M | re.S)
    assert block is not None
    graph = build_graph(yaml.safe_load(block.group(1)))
    turn = graph.processors["turn"]
    assert isinstance(turn, SmartTurnDetector)
    assert (turn.threshold, turn.unsure, turn.use_transcript, turn.max_delay) == (0.5, 0.2, True, 2.0)
