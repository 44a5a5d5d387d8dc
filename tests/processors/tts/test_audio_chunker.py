"""AudioChunker: fixed-size chunks, lead-in trimming, word timing carried over."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from voicegraph.processors.tts.audio_chunker import AudioChunker


def tone(n: int, level: int = 8000) -> NDArray[np.int16]:
    out: NDArray[np.int16] = (level * np.cos(np.arange(n) * 0.3)).astype(np.int16)
    return out


def test_output_is_cut_into_chunks_of_the_asked_size() -> None:
    chunker = AudioChunker(16000, chunk_ms=20, trim_leading=False)
    chunks = chunker.feed(tone(1000)) + chunker.feed(tone(1000))
    last = chunker.flush()
    assert [len(c.pcm) for c in chunks] == [320] * 6
    assert last is not None and len(last.pcm) == 2000 - 6 * 320


def test_lead_in_silence_is_trimmed_keeping_a_few_ms() -> None:
    chunker = AudioChunker(16000, chunk_ms=20, keep_ms=10)
    chunks = chunker.feed(np.zeros(4000, np.int16)) + chunker.feed(
        np.concatenate([np.zeros(800, np.int16), tone(640)])
    )
    assert chunker.trimmed_samples == 4000 + 800 - 160
    first = chunks[0].pcm
    assert np.all(first[:150] == 0) and np.any(np.abs(first[160:200]) > 200)


def test_silence_inside_speech_is_kept() -> None:
    chunker = AudioChunker(16000, chunk_ms=20)
    pcm = np.concatenate([tone(320), np.zeros(3200, np.int16), tone(320)])
    chunks = chunker.feed(pcm)
    rest = chunker.flush()
    total = sum(len(c.pcm) for c in chunks) + (len(rest.pcm) if rest else 0)
    assert total == len(pcm) - chunker.trimmed_samples


def test_each_word_lands_in_the_chunk_it_starts_in_with_its_offset() -> None:
    chunker = AudioChunker(16000, chunk_ms=20, trim_leading=False)
    chunks = chunker.feed(tone(1600), (("hello", 5.0), ("world", 47.5)))
    assert chunks[0].words == (("hello", 5.0),)
    assert chunks[1].words == ()
    assert chunks[2].words == (("world", 7.5),)
