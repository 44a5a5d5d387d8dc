"""ReplyGate: holds a reply prepared before the user's turn is confirmed, until it is."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import ClassVar

from voicegraph.framework.frames import (
    Frame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    ReplyHoldFrame,
    ResponseEndFrame,
    ResponseStartFrame,
    TurnConfirmedFrame,
)
from voicegraph.framework.frames.base import DataFrame, Direction
from voicegraph.framework.frames.call import CallActionFrame
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles


class ReplyGate(Processor):
    """The output side of preemptive replies (`UserAggregator(preemptive=True)`).

    Handles: `ReplyHoldFrame` (from now on, downstream data frames, the reply markers
    `ResponseStartFrame`/`ResponseEndFrame` and their LLM twins, and call actions such as
    `EndCallFrame` are held, in order) and
    `TurnConfirmedFrame` for the same turn (the held frames go out, later ones pass);
    system frames, other control frames and upstream frames always pass at once.
    An interruption drops whatever is held (the user went on speaking, so the prepared
    reply answered the wrong words; a call action in it goes too, as the agent is asked
    again). Place it just before the output transport, so the
    LLM and TTS can work while the turn detector still waits. Latency: none once the
    turn is confirmed. Drain: held frames are released (end of stream ends the turn).

    Order: a confirmation releases from another node's task, and sending may wait on a
    full downstream lane; frames of the reply that arrive meanwhile wait behind the
    released ones, so the reply plays in the order it was made.

    Args:
        max_held: most frames held (about 40 s of 40 ms TTS chunks); past it the oldest
            are dropped and counted in `dropped`.
    """

    background_output: ClassVar[bool] = True  # a confirmation releases frames from another node's task
    latency = LatencySpec(ms=0.0, note="holds a preemptive reply until the turn end")

    def __init__(self, *, max_held: int = 1000, name: str | None = None) -> None:
        super().__init__(name=name)
        self._max_held = max_held
        self._holding: int | None = None  # the turn whose reply is held
        self._held: deque[Frame] = deque()
        self._released = asyncio.Event()  # clear while a release is sending
        self._released.set()
        self._flushed = False
        self.dropped = 0
        """Held frames dropped because more than `max_held` were waiting."""

    @property
    def holding(self) -> bool:
        """True while a reply is held for an unconfirmed turn."""
        return self._holding is not None

    @handles
    async def on_hold(self, frame: ReplyHoldFrame, out: Outbox) -> None:
        await self._released.wait()  # the confirmed reply goes out whole before a new hold
        self._held.clear()
        self._holding = frame.turn
        await out.send(frame)

    @handles
    async def on_confirmed(self, frame: TurnConfirmedFrame, out: Outbox) -> None:
        await out.send(frame)
        if self._holding == frame.turn:
            await self._release(out)

    @handles(
        DataFrame, ResponseStartFrame, ResponseEndFrame, LLMResponseStartFrame, LLMResponseEndFrame,
        CallActionFrame,
    )  # fmt: skip
    async def on_reply(self, frame: Frame, out: Outbox) -> None:
        if out.direction is Direction.UP:
            await out.forward(frame)
            return
        if self._holding is None:
            await self._released.wait()  # never overtake held frames still being sent
            await out.forward(frame)
            return
        self._held.append(frame)
        if len(self._held) > self._max_held:
            self._held.popleft()
            self.dropped += 1

    async def _release(self, out: Outbox) -> None:
        held, self._held, self._holding = self._held, deque(), None
        self._released.clear()
        try:
            while held:
                await out.send(held.popleft())
                if self._flushed:
                    break
        finally:
            self._flushed = False
            self._released.set()

    async def on_flush(self) -> None:
        self._held.clear()
        self._holding = None
        self._flushed = not self._released.is_set()  # a release in progress stops

    async def on_drain(self, out: Outbox) -> None:
        await self._released.wait()
        await self._release(out)
