"""WhisperSTT: Whisper tiny.en (offline, int8) on real synthesized speech, in real graphs."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.processors.stt.sentences import HELD_SENTENCES
from tests.processors.stt.stt_harness import finals, push_speech, run_speech
from tests.speech import speech_bounds, synthesize, with_pauses, word_accuracy
from voicegraph.framework import EdgeConfig, Graph, Runtime
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import (
    InputAudioFrame,
    TranscriptFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.processors.stt import WhisperSTT
from voicegraph.processors.stt.whisper_engine import WhisperEngine
from voicegraph.processors.vad import VoiceActivityDetector

Speech = tuple[NDArray[np.int16], list[tuple[float, float]]]
FIRST, SECOND = "Please book a table for two at eight.", "What time does the museum open?"


@pytest.fixture(scope="module")
def two_utterances() -> Speech:
    return with_pauses([0.4, FIRST, 1.0, SECOND, 0.6], engine="piper", noise_rms=20.0)


def test_word_accuracy_on_held_sentences_spoken_by_piper_is_above_80_percent() -> None:
    engine = WhisperEngine()
    scores = [word_accuracy(s, engine.transcribe(synthesize(s, engine="piper")).text) for s in HELD_SENTENCES]
    accuracy = sum(scores) / len(scores)
    assert accuracy > 0.8, f"word accuracy {accuracy:.3f}"


@pytest.mark.anyio
async def test_each_utterance_gives_one_final_transcript_in_order(two_utterances: Speech) -> None:
    pcm, segments = two_utterances
    out = await run_speech(WhisperSTT(), pcm, segments)
    texts = [f.text for f in finals(out)]
    assert len(texts) == 2
    assert word_accuracy(FIRST, texts[0]) >= 0.75 and word_accuracy(SECOND, texts[1]) >= 0.75
    assert [f.speech_end_ns for f in finals(out)] == [1000, 1001]


@pytest.mark.anyio
async def test_a_stop_event_that_overtakes_queued_audio_keeps_the_last_words() -> None:
    pcm = synthesize("Call me back tomorrow afternoon.", engine="piper")
    start, end = speech_bounds(pcm, 16000)
    stt = WhisperSTT(catch_up_ms=2000)
    graph = Graph()
    graph.add(stt, edge=EdgeConfig(capacity=40))  # room for the last 800 ms of speech
    async with Runtime(graph) as rt:
        out = rt.collect()
        await rt.push(UserStartedSpeakingFrame())
        await push_speech(rt, pcm[start:end], [])
        queued = rt.stats()[f"in:{stt.name}"]["queued"]
        await rt.push(UserStoppedSpeakingFrame(speech_end_ns=7))
        await rt.push(InputAudioFrame(data=bytes(640), format=PCM16K))
        await rt.end()
    (final,) = finals(out)
    assert queued >= 10  # the stop really overtook the last words, still in the STT's lane
    assert "afternoon" in final.text.lower() and final.speech_end_ns == 7


@pytest.mark.anyio
async def test_the_turn_end_is_forwarded_after_its_transcript(two_utterances: Speech) -> None:
    pcm, segments = two_utterances
    out = await run_speech(WhisperSTT(), pcm, segments[:1], turn_end=True)
    kinds = [type(f) for f in out if isinstance(f, TranscriptFrame | TurnEndFrame)]
    assert kinds[:2] == [TranscriptFrame, TurnEndFrame]


@pytest.mark.anyio
async def test_the_end_of_stream_transcribes_an_open_utterance() -> None:
    pcm = synthesize("Goodbye for now.", engine="piper")
    async with Runtime(Graph.chain(WhisperSTT())) as rt:
        out = rt.collect()
        await rt.push(UserStartedSpeakingFrame())
        await push_speech(rt, pcm, [])
        await rt.end()
    (final,) = finals(out)
    assert word_accuracy("Goodbye for now.", final.text) == 1.0


@pytest.mark.anyio
async def test_behind_a_real_vad_each_phrase_is_transcribed(two_utterances: Speech) -> None:
    pcm, _ = two_utterances
    async with Runtime(Graph.chain(VoiceActivityDetector(engine="silero"), WhisperSTT())) as rt:
        out = rt.collect()
        await push_speech(rt, pcm, [])
        await rt.end()
    texts = [f.text for f in finals(out)]
    assert len(texts) == 2 and word_accuracy(FIRST + " " + SECOND, " ".join(texts)) >= 0.75
