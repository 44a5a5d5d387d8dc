"""SmartTurnDetector on real synthesized speech, with the real Smart Turn v3 model."""

from __future__ import annotations

import pytest

from tests.processors.turn.smart_turn_harness import metrics, run_turns, speech, turn_ends
from voicegraph.processors.turn import SmartTurnDetector


@pytest.mark.anyio
@pytest.mark.parametrize("engine", ["piper", "espeak"])
async def test_a_complete_sentence_ends_the_turn_well_before_the_timeout(engine: str) -> None:
    pcm, truth = speech([0.5, "Can you tell me the weather in Paris tomorrow?", 2.6], engine)
    seen = await run_turns(pcm, SmartTurnDetector(max_delay=2.0, use_transcript=False))
    ends = turn_ends(seen)
    assert len(ends) == 1, ends
    assert ends[0] - truth[0][1] < 0.8, (ends, truth)  # the model heard the end (timeout: 2.0)


@pytest.mark.anyio
@pytest.mark.parametrize("engine", ["piper", "espeak"])
async def test_a_sentence_cut_mid_phrase_does_not_end_the_turn_during_the_pause(engine: str) -> None:
    # No comma inside the first half: eSpeak's audio depends on what it said before in the
    # process (its synthesizer keeps state), and at a comma pause in "I want to, um" the
    # model's verdict ranged 0.05-0.5+ across such histories. "I want to um": 0.01-0.03.
    parts: list[str | float] = [0.5, "I want to um", 1.4, "book a table for two people tonight.", 2.6]
    pcm, truth = speech(parts, engine)
    seen = await run_turns(pcm, SmartTurnDetector(max_delay=2.0, use_transcript=False))
    ends = turn_ends(seen)
    assert len(ends) == 1, (ends, truth)
    assert ends[0] > truth[1][1], (ends, truth)  # after the second half, not in the pause


@pytest.mark.anyio
async def test_each_pause_reports_the_inference_time_and_probability() -> None:
    pcm, _ = speech([0.5, "My number is five five five,", 1.0, "one two three four.", 2.6])
    seen = await run_turns(pcm, SmartTurnDetector(max_delay=2.0))
    values = metrics(seen)
    assert len(values) >= 2, values
    assert all(v["smart_turn_ms"] > 0.0 for v in values)
    assert all(0.0 <= v["smart_turn_probability"] <= 1.0 for v in values)


@pytest.mark.anyio
async def test_a_finished_transcript_ends_the_turn_when_the_model_is_unsure() -> None:
    # threshold 1.0: the model is never sure; unsure 0.0: any verdict counts as unsure.
    pcm, truth = speech([0.5, "I need a table for two.", 2.6])
    said = {truth[0][1] + 0.05: "I need a table for two."}
    with_text = await run_turns(pcm, SmartTurnDetector(threshold=1.0, unsure=0.0), transcripts=said)
    without = await run_turns(pcm, SmartTurnDetector(threshold=1.0, unsure=0.0))
    end = truth[0][1]
    assert [0.2 < t - end < 0.6 for t in turn_ends(with_text)] == [True], (turn_ends(with_text), end)
    assert [1.9 < t - end < 2.3 for t in turn_ends(without)] == [True], (turn_ends(without), end)


@pytest.mark.anyio
async def test_an_unfinished_transcript_does_not_end_the_turn_when_the_model_is_unsure() -> None:
    pcm, truth = speech([0.5, "I need a table for", 2.6])
    said = {truth[0][1] + 0.05: "I need a table for"}
    seen = await run_turns(pcm, SmartTurnDetector(threshold=1.0, unsure=0.0), transcripts=said)
    assert [1.9 < t - truth[0][1] < 2.3 for t in turn_ends(seen)] == [True], (turn_ends(seen), truth)
