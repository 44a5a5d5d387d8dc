"""PiperTTS: real neural speech from the joe voice wheel, streamed sentence by sentence."""

from __future__ import annotations

import numpy as np
import pytest

from tests.processors.tts.tts_harness import audio, pcm_of, seconds, speak
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames import Frame
from voicegraph.processors.tts import PiperTTS

SENTENCE = "The quick brown fox jumps over the lazy dog near the river bank."
THREE = "I found three restaurants nearby. The closest one is Italian. Shall I book a table?"


@pytest.fixture(scope="module")
async def three_sentences() -> list[Frame]:
    return await speak(PiperTTS(), THREE)


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_speech_lasts_a_plausible_time_per_word() -> None:
    out = await speak(PiperTTS(), SENTENCE)
    per_word = seconds(out) / len(SENTENCE.split())
    assert 0.25 <= per_word <= 0.6


@pytest.mark.anyio
async def test_audio_is_22khz_mono_in_40_ms_chunks(three_sentences: list[Frame]) -> None:
    chunks = audio(three_sentences)
    assert {c.format for c in chunks} == {AudioFormat(22050, 1, SampleFormat.S16)}
    assert sum(round(c.duration_ms) == 40 for c in chunks) >= len(chunks) - 3


@pytest.mark.anyio
async def test_the_first_sentence_streams_out_before_the_last_is_synthesized(
    three_sentences: list[Frame],
) -> None:
    chunks = audio(three_sentences)
    first, last = chunks[0].created_ns, chunks[-1].created_ns
    assert last - first > 20_000_000  # later sentences were rendered after the first went out


@pytest.mark.anyio
async def test_every_word_gets_a_time_in_speaking_order(three_sentences: list[Frame]) -> None:
    chunks = audio(three_sentences)
    starts: list[tuple[str, float]] = []
    at = 0.0
    for chunk in chunks:
        starts += [(w, at + ms) for w, ms in chunk.word_times_ms]
        at += chunk.duration_ms
    assert [w for w, _ in starts] == THREE.split()
    times = [t for _, t in starts]
    assert times == sorted(times) and times[-1] < at


@pytest.mark.anyio
async def test_lead_in_silence_is_trimmed(three_sentences: list[Frame]) -> None:
    pcm = pcm_of(three_sentences)
    first_loud = int(np.flatnonzero(np.abs(pcm.astype(np.int32)) > 200)[0])
    assert first_loud <= 22050 * 15 // 1000


@pytest.mark.anyio
async def test_later_nodes_reuse_the_loaded_voice() -> None:
    first, second = PiperTTS(), PiperTTS()
    await speak(first, "One.")
    await speak(second, "Two.")
    assert second.load_ms < 50.0


@pytest.mark.anyio
async def test_each_text_rides_on_the_chunk_that_holds_its_first_word() -> None:
    # 5 ms chunks: Piper's first word starts a few chunks into each sentence's audio
    texts = ["I found three restaurants nearby.", "The closest one is Italian.", "Shall I book a table?"]
    chunks = audio(await speak(PiperTTS(chunk_ms=5.0), *texts))
    with_text = [i for i, c in enumerate(chunks) if c.text]
    assert [chunks[i].text for i in with_text] == texts
    for i in with_text:
        assert chunks[i].word_times_ms, chunks[i].text
        assert chunks[i].word_times_ms[0][0] == chunks[i].text.split()[0]
    assert with_text[0] > 0  # the lead-in came first, on chunks of its own
