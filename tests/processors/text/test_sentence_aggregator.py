"""SentenceAggregator in a running graph: tokens in, sentences out, markers respected."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from voicegraph.framework import Graph, Runtime
from voicegraph.framework.frames import (
    Frame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    SentenceFrame,
    TextFrame,
    TranscriptFrame,
)
from voicegraph.processors.s2s import BotTranscriptFrame
from voicegraph.processors.text import SentenceAggregator


def tokens(text: str) -> list[LLMTextFrame]:
    """`text` as an LLM streams it: one frame per word, spaces leading."""
    words = text.split(" ")
    return [LLMTextFrame(text=w if i == 0 else " " + w) for i, w in enumerate(words)]


async def run(frames: Sequence[Frame], first_clause_words: int = 4) -> list[Frame]:
    async with Runtime(Graph.chain(SentenceAggregator(first_clause_words=first_clause_words))) as rt:
        out = rt.collect()
        for frame in frames:
            await rt.push(frame)
        await rt.end()
    return out


def sentences(out: list[Frame]) -> list[str]:
    return [f.text for f in out if isinstance(f, SentenceFrame)]


@pytest.mark.anyio
async def test_streamed_tokens_come_out_as_sentences() -> None:
    out = await run(
        tokens("Hello there. Dr. Smith will see you at 3.5 p.m. today. Bye."), first_clause_words=0
    )
    assert sentences(out) == ["Hello there.", "Dr. Smith will see you at 3.5 p.m. today.", "Bye."]


@pytest.mark.anyio
async def test_the_end_of_a_response_emits_its_unterminated_rest_before_the_marker() -> None:
    out = await run([LLMResponseStartFrame(), *tokens("Sure thing"), LLMResponseEndFrame()])
    kinds = [type(f).__name__ for f in out if not isinstance(f, LLMTextFrame)]
    assert sentences(out) == ["Sure thing"]
    assert kinds.index("SentenceFrame") < kinds.index("LLMResponseEndFrame")


@pytest.mark.anyio
async def test_each_response_may_start_with_an_early_clause() -> None:
    reply = "Well, I checked the weather for you, and it will be sunny all day."
    frames = [LLMResponseStartFrame(), *tokens(reply), LLMResponseEndFrame()]
    out = await run(frames * 2, first_clause_words=4)
    expected = ["Well, I checked the weather for you,", "and it will be sunny all day."]
    assert sentences(out) == expected * 2


@pytest.mark.anyio
async def test_transcripts_pass_through_untouched() -> None:
    transcript = TranscriptFrame(text="what time is it")
    out = await run([transcript, *tokens("It is noon.")])
    assert transcript in out
    assert sentences(out) == ["It is noon."]


@pytest.mark.anyio
async def test_plain_text_is_joined_but_a_realtime_models_transcript_passes_untouched() -> None:
    spoken = BotTranscriptFrame(text="Already spoken.", final=True)
    out = await run([TextFrame(text="Hello"), spoken, TextFrame(text=" there."), TextFrame(text=" Bye.")])
    assert [f for f in out if isinstance(f, BotTranscriptFrame)] == [spoken]
    assert sentences(out) == ["Hello there.", "Bye."]


@pytest.mark.anyio
async def test_the_end_of_stream_emits_pending_text() -> None:
    out = await run(tokens("and then nothing"))
    assert sentences(out) == ["and then nothing"]
