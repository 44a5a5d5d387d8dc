"""PocketSphinxSTT: streaming recognition on real synthesized speech, with and without a grammar."""

from __future__ import annotations

import numpy as np
import pytest

from tests.processors.stt.sentences import HELD_SENTENCES, HOME_COMMANDS, HOME_GRAMMAR
from tests.processors.stt.stt_harness import finals, run_speech
from tests.speech import synthesize, with_pauses, word_accuracy
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import InterimTranscriptFrame, TranscriptFrame
from voicegraph.processors.stt import PocketSphinxSTT
from voicegraph.processors.stt.pocketsphinx_engine import PocketSphinxEngine


def recognise(engine: PocketSphinxEngine, text: str, engine_voice: str = "piper") -> str:
    """Stream `text`, spoken by the voice, through `engine` in 20 ms frames."""
    pcm = synthesize(text, engine=engine_voice)
    engine.begin(np.zeros(0, np.int16))
    for i in range(0, len(pcm), 320):
        engine.feed(pcm[i : i + 320])
    return engine.end().text


def mean_accuracy(engine: PocketSphinxEngine, sentences: list[str]) -> float:
    return sum(word_accuracy(s, recognise(engine, s)) for s in sentences) / len(sentences)


@pytest.mark.anyio
async def test_interim_hypotheses_stream_before_the_final_transcript() -> None:
    pcm, segments = with_pauses([0.3, "Please book a table for four people at seven tonight.", 0.5])
    out = await run_speech(PocketSphinxSTT(), pcm, segments, pace=0.005)
    kinds = [type(f) for f in out if isinstance(f, TranscriptFrame)]
    assert kinds.count(InterimTranscriptFrame) >= 3
    assert kinds[-1] is TranscriptFrame and kinds.index(TranscriptFrame) == len(kinds) - 1


@pytest.mark.anyio
async def test_the_final_transcript_matches_the_speech() -> None:
    text = "What is the weather like in Paris tomorrow?"
    pcm, segments = with_pauses([0.3, text, 0.5], engine="piper")
    (final,) = finals(await run_speech(PocketSphinxSTT(), pcm, segments))
    assert word_accuracy(text, final.text) >= 0.7 and 0.0 < final.confidence <= 1.0


def test_word_accuracy_on_held_sentences_spoken_by_piper_is_above_60_percent() -> None:
    accuracy = mean_accuracy(PocketSphinxEngine(), HELD_SENTENCES)
    assert accuracy > 0.6, f"word accuracy {accuracy:.3f}"


@pytest.fixture(scope="module")
def grammar_accuracy() -> float:
    return mean_accuracy(PocketSphinxEngine(grammar=HOME_GRAMMAR), HOME_COMMANDS)


def test_a_grammar_recognises_its_commands_almost_perfectly(grammar_accuracy: float) -> None:
    assert grammar_accuracy >= 0.95, f"word accuracy {grammar_accuracy:.3f}"


def test_a_grammar_beats_the_general_model_on_its_commands(grammar_accuracy: float) -> None:
    assert grammar_accuracy > mean_accuracy(PocketSphinxEngine(), HOME_COMMANDS)


@pytest.mark.anyio
async def test_a_grammar_that_does_not_parse_is_a_config_error() -> None:
    with pytest.raises(VoiceError) as err:
        await run_speech(PocketSphinxSTT(grammar="#JSGF V1.0; this is not jsgf"), np.zeros(320, np.int16), [])
    assert err.value.code is ErrorCode.INVALID_CONFIG
