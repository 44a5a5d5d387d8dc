"""EspeakTTS: real eSpeak NG speech, streamed in chunks with word timing, interruptible."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import numpy as np
import pytest

from tests.processors.tts.tts_harness import Playout, audio, pcm_of, seconds, speak
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames import (
    AnyTextFrame,
    Frame,
    LLMResponseEndFrame,
    LLMTextFrame,
    SentenceFrame,
    TextFrame,
    TranscriptFrame,
    TTSAudioFrame,
)
from voicegraph.processors.s2s import BotTranscriptFrame
from voicegraph.processors.text import SentenceAggregator
from voicegraph.processors.tts import EspeakTTS
from voicegraph.processors.tts.espeak_engine import EspeakEngine


def keep_audio(into: list[TTSAudioFrame]) -> Callable[[Frame, object], None]:
    """A link probe that keeps the TTS audio frames crossing it."""
    return lambda f, _: into.append(f) if isinstance(f, TTSAudioFrame) else None


SENTENCE = "The quick brown fox jumps over the lazy dog near the river bank."


@pytest.mark.anyio
async def test_speech_lasts_a_plausible_time_per_word() -> None:
    out = await speak(EspeakTTS(), SENTENCE)
    per_word = seconds(out) / len(SENTENCE.split())
    assert 0.25 <= per_word <= 0.6


@pytest.mark.anyio
async def test_audio_comes_in_chunks_of_the_asked_size_at_the_engine_rate() -> None:
    out = await speak(EspeakTTS(chunk_ms=20), SENTENCE)
    chunks = audio(out)
    assert {c.format for c in chunks} == {AudioFormat(22050, 1, SampleFormat.S16)}
    assert all(round(c.duration_ms) == 20 for c in chunks[:-1])


@pytest.mark.anyio
async def test_the_first_chunk_carries_the_text_and_chunks_carry_every_word_in_order() -> None:
    out = await speak(EspeakTTS(), "Hello there. How are you today?")
    chunks = audio(out)
    assert chunks[0].text == "Hello there. How are you today?"
    assert all(c.text == "" for c in chunks[1:])
    assert [w for c in chunks for w, _ in c.word_times_ms] == ["Hello", "there", "How", "are", "you", "today"]


@pytest.mark.anyio
async def test_lead_in_silence_is_trimmed() -> None:
    pcm = pcm_of(await speak(EspeakTTS(), "Okay."))
    first_loud = int(np.flatnonzero(np.abs(pcm.astype(np.int32)) > 200)[0])
    assert first_loud <= 22050 * 15 // 1000


@pytest.mark.anyio
async def test_an_interruption_stops_the_reply_and_the_next_one_plays() -> None:
    tts, playout = EspeakTTS(), Playout(speed=0.05)
    long_text = " ".join([SENTENCE] * 6)  # about 25 s of speech
    async with Runtime(Graph.chain(tts, playout)) as rt:
        out = rt.collect()
        sent: list[TTSAudioFrame] = []
        rt.observe(
            tts.name, playout.name, lambda f, _: sent.append(f) if isinstance(f, TTSAudioFrame) else None
        )
        started = asyncio.Event()
        rt.on_output(lambda f, _: started.set() if isinstance(f, TTSAudioFrame) else None)
        await rt.push(SentenceFrame(text=long_text))
        await started.wait()
        await rt.interrupt("barge-in")
        before = len(sent)
        await rt.push(SentenceFrame(text="Sorry."))
        await rt.end()
    assert all(f.epoch == rt.epoch for f in sent[before:])
    assert [f.text for f in audio(out) if f.text] == [long_text, "Sorry."]
    assert seconds(out) < 5.0


def test_the_engine_stops_when_the_sink_says_so() -> None:
    engine = EspeakEngine()
    calls = 0

    def sink(pcm: np.ndarray, words: tuple[tuple[str, float], ...]) -> bool:
        nonlocal calls
        calls += 1
        return calls < 3

    engine.speak(" ".join([SENTENCE] * 4), sink)
    assert calls == 3


def test_an_unknown_voice_is_a_config_error() -> None:
    with pytest.raises(VoiceError) as err:
        EspeakTTS(voice="no-such-voice")
    assert err.value.code is ErrorCode.INVALID_CONFIG


@pytest.mark.anyio
@pytest.mark.parametrize("kind", [TranscriptFrame, LLMTextFrame, BotTranscriptFrame])
async def test_text_that_is_not_plain_text_or_a_sentence_passes_through_unspoken(
    kind: type[AnyTextFrame],
) -> None:
    frame = kind(text="hello")
    async with Runtime(Graph.chain(EspeakTTS())) as rt:
        out: list[Frame] = rt.collect()
        await rt.push(frame)
        await rt.end()
    assert frame in out and not audio(out)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", [TextFrame, SentenceFrame])
async def test_plain_text_and_sentences_are_spoken(kind: type[AnyTextFrame]) -> None:
    async with Runtime(Graph.chain(EspeakTTS())) as rt:
        out: list[Frame] = rt.collect()
        await rt.push(kind(text="Hello there."))
        await rt.end()
    assert [f.text for f in audio(out) if f.text] == ["Hello there."]
    assert not [f for f in out if isinstance(f, AnyTextFrame)]


@pytest.mark.anyio
async def test_streamed_llm_tokens_are_spoken_sentence_by_sentence() -> None:
    reply = "Sure. Your table is booked for eight. Anything else?"
    async with Runtime(Graph.chain(SentenceAggregator(first_clause_words=0), EspeakTTS())) as rt:
        out = rt.collect()
        for i, word in enumerate(reply.split(" ")):
            await rt.push(LLMTextFrame(text=word if i == 0 else " " + word))
        await rt.push(LLMResponseEndFrame())
        await rt.end()
    spoken = [f.text for f in audio(out) if f.text]
    assert spoken == ["Sure.", "Your table is booked for eight.", "Anything else?"]
    assert isinstance(out[-2], LLMResponseEndFrame)
