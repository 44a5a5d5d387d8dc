"""LanguageModelTurnDetector on real synthesized speech, Silero VAD and the local SmolLM2."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.processors.turn.smart_turn_harness import metrics, run_turns, speech, turn_ends
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import ErrorFrame
from voicegraph.framework.registry import registry
from voicegraph.framework.spec import build_graph, params_model
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
    assert done > 0.3 > cut, (done, cut)  # 0.3: the node's default threshold
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
    assert [v["turn_lm_probability"] >= 0.3 for v in metrics(seen)] == [True]


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


@pytest.mark.parametrize(
    "params",
    [{"threshold": 1.5}, {"unsure": 0.5}, {"complete_delay": 1.0, "min_delay": 0.5}],
)
def test_bad_params_are_invalid_config(params: dict[str, Any]) -> None:
    with pytest.raises(VoiceError) as err:
        LanguageModelTurnDetector(**params)
    assert err.value.code is ErrorCode.INVALID_CONFIG


def test_the_node_type_builds_from_the_registry() -> None:
    factory = registry.get("processors", "language_model_turn_detector")
    node = factory(**dict(params_model(factory).model_validate({"threshold": 0.3})), name="turn")
    assert isinstance(node, LanguageModelTurnDetector) and node.threshold == 0.3


def test_the_documented_graph_builds_with_a_language_model_turn_detector() -> None:
    page = (Path(__file__).resolve().parents[3] / "docs" / "turn_taking.md").read_text()
    blocks = re.findall(r"^```yaml\n(.*?)^```$", page, re.M | re.S)
    block = next(b for b in blocks if "language_model_turn_detector" in b)
    graph = build_graph(yaml.safe_load(block))
    turn = graph.processors["turn"]
    assert isinstance(turn, LanguageModelTurnDetector)
    assert (turn.threshold, turn.unsure, turn.min_delay, turn.max_delay) == (0.3, 0.02, 1.2, 2.0)


@pytest.mark.anyio
async def test_a_score_in_the_unsure_band_ends_the_turn_after_min_delay() -> None:
    # threshold 1.0: never sure; unsure 0.0: every score is in the band
    pcm, truth = speech([0.5, "Can you tell me the weather in Paris tomorrow?", 2.6])
    end = truth[0][1]
    said = {end + STT_S: "Can you tell me the weather in Paris tomorrow?"}
    unsure = LanguageModelTurnDetector(threshold=1.0, unsure=0.0, min_delay=0.6)
    never = LanguageModelTurnDetector(threshold=1.0, unsure=1.0, min_delay=0.6, max_delay=2.0)
    in_band = turn_ends(await run_turns(pcm, unsure, transcripts=said))
    below = turn_ends(await run_turns(pcm, never, transcripts=said))
    assert [0.55 < t - end < 0.75 for t in in_band] == [True], (in_band, end)
    assert [1.9 < t - end < 2.3 for t in below] == [True], (below, end)


@pytest.mark.anyio
async def test_words_that_trail_off_wait_for_the_timeout_whatever_their_score() -> None:
    # threshold 0.0: every score reads as finished, so only the trailing mark can hold the turn
    pcm, truth = speech([0.5, "Can you tell me the weather in Paris tomorrow?", 2.6])
    end = truth[0][1]
    sure = LanguageModelTurnDetector(threshold=0.0, unsure=0.0, max_delay=2.0)
    trailing = LanguageModelTurnDetector(threshold=0.0, unsure=0.0, max_delay=2.0)
    finished = {end + STT_S: "Can you tell me the weather in Paris tomorrow?"}
    trailed = {end + STT_S: "Can you tell me the weather in Paris, tomorrow..."}
    at_once = turn_ends(await run_turns(pcm, sure, transcripts=finished))
    held = turn_ends(await run_turns(pcm, trailing, transcripts=trailed))
    assert [t - end < STT_S + 0.2 for t in at_once] == [True], (at_once, end)
    assert [1.9 < t - end < 2.3 for t in held] == [True], (held, end)
