"""ResumedTurnFilter: a turn end the user already talked past does not close the turn."""

from __future__ import annotations

import pytest

from voicegraph.framework import Graph, Runtime, VirtualClock
from voicegraph.framework.frames import TurnEndFrame, UserStartedSpeakingFrame
from voicegraph.processors.turn.resumed_turn_filter import ResumedTurnFilter

pytestmark = pytest.mark.anyio


async def turn_ends_out(frames: list[object]) -> list[TurnEndFrame]:
    clock = VirtualClock(start_ns=10_000_000_000)
    async with Runtime(Graph.chain(ResumedTurnFilter()), clock=clock) as rt:
        out = rt.collect()
        for f in frames:
            if isinstance(f, float):
                clock.advance(int(f * 1e9))
            else:
                await rt.push(f)  # type: ignore[arg-type]
    return [f for f in out if isinstance(f, TurnEndFrame)]


async def test_turn_end_passes_when_the_user_stayed_silent() -> None:
    ends = await turn_ends_out([UserStartedSpeakingFrame(), 2.0, TurnEndFrame(speech_end_ns=11_500_000_000)])
    assert len(ends) == 1


async def test_turn_end_is_dropped_when_speech_resumed_after_it() -> None:
    ends = await turn_ends_out([2.0, UserStartedSpeakingFrame(), TurnEndFrame(speech_end_ns=11_500_000_000)])
    assert ends == []


async def test_turn_end_without_a_speech_end_time_always_passes() -> None:
    ends = await turn_ends_out([2.0, UserStartedSpeakingFrame(), TurnEndFrame()])
    assert len(ends) == 1
