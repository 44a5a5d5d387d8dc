"""TranscriptAwareTurnDetector on a virtual clock: the transcript shortens or stretches the wait."""

from __future__ import annotations

import pytest

from tests.processors.turn.turn_harness import TurnHarness, start_harness
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import InterimTranscriptFrame, TranscriptFrame
from voicegraph.processors.turn import TranscriptAwareTurnDetector


def detector() -> TranscriptAwareTurnDetector:
    return TranscriptAwareTurnDetector(complete_delay=0.3, min_delay=0.8, max_delay=2.0)


async def say(h: TurnHarness, text: str) -> None:
    await h.rt.push(TranscriptFrame(text=text))


async def one_turn(text: str | None) -> list[float]:
    h = start_harness(detector())
    async with h.clock.autojump(), h.rt:
        await h.started()
        if text is not None:
            await say(h, text)
        await h.wait(1.0)
        await h.stopped()
        await h.wait(5.0)
    return h.turn_ends()


@pytest.mark.anyio
async def test_a_finished_sentence_ends_the_turn_after_complete_delay() -> None:
    assert await one_turn("I would like a coffee please.") == [pytest.approx(1.3)]


@pytest.mark.anyio
async def test_a_trailing_conjunction_stretches_the_wait_to_max_delay() -> None:
    assert await one_turn("I want to book a table and") == [pytest.approx(3.0)]


@pytest.mark.anyio
async def test_a_filler_stretches_the_wait_to_max_delay() -> None:
    assert await one_turn("so I was thinking um") == [pytest.approx(3.0)]


@pytest.mark.anyio
async def test_unsure_text_waits_the_silence_delay() -> None:
    assert await one_turn("book a table for two tonight") == [pytest.approx(1.8)]


@pytest.mark.anyio
async def test_no_transcript_waits_the_silence_delay() -> None:
    assert await one_turn(None) == [pytest.approx(1.8)]


@pytest.mark.anyio
async def test_a_late_finished_transcript_ends_a_pending_turn_at_once() -> None:
    h = start_harness(detector())
    async with h.clock.autojump(), h.rt:
        await h.stopped()
        await h.wait(0.5)
        await say(h, "Thanks, that's all.")
        await h.wait(3.0)
    assert h.turn_ends() == [pytest.approx(0.5)]


@pytest.mark.anyio
async def test_a_late_unfinished_transcript_extends_a_pending_turn() -> None:
    h = start_harness(detector())
    async with h.clock.autojump(), h.rt:
        await h.stopped()
        await h.wait(0.4)
        await say(h, "I need a ticket to")
        await h.wait(3.0)
    assert h.turn_ends() == [pytest.approx(2.0)]


@pytest.mark.anyio
async def test_interim_transcripts_do_not_change_the_delay() -> None:
    h = start_harness(detector())
    async with h.clock.autojump(), h.rt:
        await h.rt.push(InterimTranscriptFrame(text="I need a ticket to"))
        await h.stopped()
        await h.wait(3.0)
    assert h.turn_ends() == [pytest.approx(0.8)]


@pytest.mark.anyio
async def test_the_words_of_an_ended_turn_do_not_carry_into_the_next() -> None:
    h = start_harness(detector())
    async with h.clock.autojump(), h.rt:
        await say(h, "Book it.")
        await h.stopped()
        await h.wait(1.0)
        await h.started()
        await h.wait(1.0)
        await h.stopped()
        await h.wait(3.0)
    assert h.turn_ends() == [pytest.approx(0.3), pytest.approx(2.8)]


@pytest.mark.anyio
async def test_transcripts_are_forwarded() -> None:
    h = start_harness(detector())
    frame = TranscriptFrame(text="hello")
    async with h.clock.autojump(), h.rt:
        await h.rt.push(frame)
    assert frame in h.frames()


def test_complete_delay_above_min_delay_raises_invalid_config() -> None:
    with pytest.raises(VoiceError) as info:
        TranscriptAwareTurnDetector(complete_delay=1.0, min_delay=0.5)
    assert info.value.code is ErrorCode.INVALID_CONFIG
