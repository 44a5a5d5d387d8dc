from __future__ import annotations

import asyncio
import time

import pytest

from voicegraph.framework import Graph, Outbox, Processor, Runtime, StartContext, VirtualClock, handles
from voicegraph.framework.frames import TextFrame, UserStartedSpeakingFrame

pytestmark = pytest.mark.anyio


async def test_virtual_clock_wakes_sleepers_in_time_order() -> None:
    clock = VirtualClock()
    woke: list[tuple[str, int]] = []

    async def sleeper(tag: str, s: float) -> None:
        await clock.sleep(s)
        woke.append((tag, clock.now_ns()))

    async with clock.autojump():
        await asyncio.gather(sleeper("late", 5.0), sleeper("early", 1.0), sleeper("mid", 2.5))
    assert woke == [("early", 1_000_000_000), ("mid", 2_500_000_000), ("late", 5_000_000_000)]


class Speaker(Processor):
    """A bot that speaks one word per 200 ms of graph time until interrupted."""

    concurrent = True

    @handles
    async def on_text(self, frame: TextFrame, out: Outbox) -> None:
        for word in frame.text.split():
            await self.clock.sleep(0.2)
            await out.send(TextFrame(text=word))


class BargeIn(Processor):
    """Turns a user-started-speaking event into an interruption request."""

    @handles
    async def on_user(self, frame: UserStartedSpeakingFrame, out: Outbox) -> None:
        await out.request_interrupt("user started speaking")


class Caller(Processor):
    """Plays a scripted caller on the graph clock: talks, pauses, barges in."""

    async def on_start(self, ctx: StartContext) -> None:
        ctx.spawn(self._script())

    async def _script(self) -> None:
        await self.outbox.send(TextFrame(text="one two three four five six seven eight"))
        await self.clock.sleep(0.7)  # bot has said three words by now
        await self.outbox.send(UserStartedSpeakingFrame())
        await self.clock.sleep(5.0)
        await self.outbox.send(TextFrame(text="nine ten"))


async def test_a_conversation_with_pauses_and_barge_in_runs_faster_than_real_time() -> None:
    clock = VirtualClock()
    t0 = time.monotonic()
    async with clock.autojump():
        graph = Graph.chain(Caller(), BargeIn(), Speaker())
        async with Runtime(graph, clock=clock) as rt:
            out = rt.collect()
            await clock.sleep(10.0)
    words = [f.text for f in out if isinstance(f, TextFrame)]
    assert words == ["one", "two", "three", "nine", "ten"]
    assert clock.now_ns() >= 10_000_000_000
    assert time.monotonic() - t0 < 2.0
