"""SmartTurnDetector with other ONNX models of the same kind (`model_path`), built here with onnx."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest
from onnx import TensorProto, helper

from tests.processors.turn.smart_turn_harness import run_turns, speech, turn_ends
from voicegraph.framework.errors import ErrorCode
from voicegraph.framework.frames import ErrorFrame
from voicegraph.processors.turn import SmartTurnDetector


def constant_model(path: Path, probability: float, *, reshape_to: tuple[int, ...] = (-1, 1)) -> str:
    """input_features (batch, 80, 800) -> (batch, 1) = 0 * mean(input) + probability.

    `reshape_to` another shape makes a model that loads but fails when it runs.
    """
    const = helper.make_tensor("p", TensorProto.FLOAT, [1], [probability])
    shape = helper.make_tensor("shape", TensorProto.INT64, [len(reshape_to)], list(reshape_to))
    zero = helper.make_tensor("zero", TensorProto.FLOAT, [1], [0.0])
    nodes = [
        helper.make_node("ReduceMean", ["input_features"], ["mean"], axes=[1, 2], keepdims=1),
        helper.make_node("Reshape", ["mean", "shape"], ["flat"]),
        helper.make_node("Mul", ["flat", "zero"], ["nothing"]),
        helper.make_node("Add", ["nothing", "p"], ["probability"]),
    ]
    graph = helper.make_graph(
        nodes,
        "constant_turn_model",
        [helper.make_tensor_value_info("input_features", TensorProto.FLOAT, ["batch", 80, 800])],
        [helper.make_tensor_value_info("probability", TensorProto.FLOAT, None)],
        initializer=[const, shape, zero],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, path)
    return str(path)


PARTS: list[str | float] = [0.5, "I want to, um", 1.4, "book a table for two people tonight.", 2.6]


@pytest.mark.anyio
async def test_a_model_that_always_hears_an_end_ends_the_turn_at_every_pause(tmp_path: Path) -> None:
    pcm, truth = speech(PARTS)
    model = constant_model(tmp_path / "always.onnx", 0.99)
    ends = turn_ends(await run_turns(pcm, SmartTurnDetector(model_path=model, use_transcript=False)))
    assert len(ends) == 2, (ends, truth)
    assert ends[0] < truth[1][0]  # in the pause, before the second half


@pytest.mark.anyio
async def test_a_model_that_never_hears_an_end_leaves_it_to_the_timeout(tmp_path: Path) -> None:
    pcm, truth = speech(PARTS)
    model = constant_model(tmp_path / "never.onnx", 0.01)
    ends = turn_ends(await run_turns(pcm, SmartTurnDetector(model_path=model, max_delay=2.0)))
    assert [1.9 < t - truth[1][1] < 2.3 for t in ends] == [True], (ends, truth)


@pytest.mark.anyio
async def test_a_model_that_fails_reports_the_error_and_the_silence_rule_decides(tmp_path: Path) -> None:
    pcm, truth = speech([0.5, "Can you tell me the weather in Paris tomorrow?", 2.6])
    model = constant_model(tmp_path / "broken.onnx", 0.5, reshape_to=(2, -1))
    detector = SmartTurnDetector(model_path=model, min_delay=0.8, max_delay=2.0, use_transcript=False)
    seen = await run_turns(pcm, detector)
    errors = [f.error for _, f in seen if isinstance(f, ErrorFrame)]
    assert [e.code for e in errors] == [ErrorCode.PIPELINE_ERROR]
    assert [0.7 < t - truth[0][1] < 1.1 for t in turn_ends(seen)] == [True], (turn_ends(seen), truth)
