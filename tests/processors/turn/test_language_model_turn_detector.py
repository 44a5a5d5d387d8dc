"""LanguageModelTurnDetector on real synthesized speech, Silero VAD and the local SmolLM2."""

from __future__ import annotations

from typing import Any

import pytest

from tests.processors.turn.smart_turn_harness import metrics, run_turns, speech, turn_ends
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import ErrorFrame
from voicegraph.framework.registry import registry
from voicegraph.framework.spec import params_model
from voicegraph.processors.turn import LanguageModelTurnDetector, TranscriptEndModel
from voicegraph.processors.turn.transcript_end_model import sentence_body

STT_S = 0.25  # the final transcript comes this long after the speech ends, as Whisper's would


def test_a_question_reads_as_more_finished_than_a_fragment() -> None:
    model = TranscriptEndModel()
    try:
        done, _ = model.probability("Can you tell me the weather in Paris tomorrow?")
        cut, ms = model.probability("I need eggs, milk, and")
    finally:
        model.close()
    assert done > 0.2 > cut, (done, cut)  # 0.2: the node's default threshold
    assert ms > 0.0


def test_closing_punctuation_is_removed_before_scoring() -> None:
    assert sentence_body(" I'd like to order. ") == "I'd like to order"
    assert sentence_body("Wait...") == "Wait"


@pytest.mark.anyio
async def test_a_finished_question_ends_the_turn_when_its_transcript_is_scored() -> None:
    pcm, truth = speech([0.5, "Can you tell me the weather in Paris tomorrow?", 2.6])
    end = truth[0][1]
    said = {end + STT_S: "Can you tell me the weather in Paris tomorrow?"}
    seen = await run_turns(pcm, LanguageModelTurnDetector(max_delay=2.0), transcripts=said)
    assert [STT_S - 0.05 < t - end < STT_S + 0.2 for t in turn_ends(seen)] == [True], (turn_ends(seen), end)
    assert [v["turn_lm_probability"] >= 0.2 for v in metrics(seen)] == [True]


@pytest.mark.anyio
async def test_a_fragment_waits_through_the_pause_and_the_turn_ends_after_the_rest() -> None:
    pcm, truth = speech([0.5, "I want to um", 1.4, "book a table for two people tonight.", 2.6])
    said = {truth[0][1] + STT_S: "I want to um.", truth[1][1] + STT_S: "Book a table for two people tonight."}
    seen = await run_turns(pcm, LanguageModelTurnDetector(max_delay=2.0), transcripts=said)
    ends = turn_ends(seen)
    assert len(ends) == 1, (ends, truth)
    assert truth[1][1] < ends[0] < truth[1][1] + 1.0, (ends, truth)  # scored, not the 2 s timeout


@pytest.mark.anyio
async def test_without_a_server_the_error_is_reported_and_the_transcript_rule_decides() -> None:
    pcm, truth = speech([0.5, "I need a table for two.", 2.6])
    end = truth[0][1]
    said = {end + STT_S: "I need a table for two."}
    detector = LanguageModelTurnDetector(base_url="http://127.0.0.1:9/v1", complete_delay=0.3)
    seen = await run_turns(pcm, detector, transcripts=said)
    errors = [f.error.code for _, f in seen if isinstance(f, ErrorFrame)]
    assert errors == [ErrorCode.PIPELINE_ERROR]
    # the heuristics read a finished sentence: complete_delay (0.3 s), met once the transcript came
    assert [0.25 < t - end < 0.5 for t in turn_ends(seen)] == [True], (turn_ends(seen), end)


@pytest.mark.parametrize("params", [{"threshold": 1.5}, {"complete_delay": 1.0, "min_delay": 0.5}])
def test_bad_params_are_invalid_config(params: dict[str, Any]) -> None:
    with pytest.raises(VoiceError) as err:
        LanguageModelTurnDetector(**params)
    assert err.value.code is ErrorCode.INVALID_CONFIG


def test_the_node_type_builds_from_the_registry() -> None:
    factory = registry.get("processors", "language_model_turn_detector")
    node = factory(**dict(params_model(factory).model_validate({"threshold": 0.3})), name="turn")
    assert isinstance(node, LanguageModelTurnDetector) and node.threshold == 0.3
