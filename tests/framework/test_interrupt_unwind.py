"""Interruption: a cancelled handler finishes unwinding before `on_flush` runs."""

from __future__ import annotations

import asyncio

import pytest

from voicegraph.framework import ErrorCode, ErrorEvent, Graph, Outbox, Processor, Runtime, handles
from voicegraph.framework.frames import TextFrame

pytestmark = pytest.mark.anyio


class Slow(Processor):
    """A queued node whose handler waits forever and cleans up in `finally` (with an await)."""

    concurrent = True

    def __init__(self, *, cleanup_awaits: int = 3) -> None:
        super().__init__()
        self.events: list[str] = []
        self.started = asyncio.Event()
        self._awaits = cleanup_awaits

    @handles
    async def on_text(self, frame: TextFrame, out: Outbox) -> None:
        self.started.set()
        try:
            await asyncio.Event().wait()
        finally:
            for _ in range(self._awaits):  # cleanup that itself awaits
                await asyncio.sleep(0)
            self.events.append("finally")

    async def on_flush(self) -> None:
        self.events.append("flush")


async def test_on_flush_runs_after_the_cancelled_handler_unwound() -> None:
    slow = Slow()
    async with Runtime(Graph.chain(slow)) as rt:
        await rt.push(TextFrame(text="a"))
        await asyncio.wait_for(slow.started.wait(), 2)
        assert await rt.interrupt("barge-in")
        assert slow.events == ["finally", "flush"]


async def test_node_task_goes_on_after_an_interruption_waited_for_its_unwinding() -> None:
    slow = Slow(cleanup_awaits=0)
    async with Runtime(Graph.chain(slow)) as rt:
        await rt.push(TextFrame(text="a"))
        await asyncio.wait_for(slow.started.wait(), 2)
        await rt.interrupt("barge-in")
        slow.started.clear()
        await rt.push(TextFrame(text="b"))
        await asyncio.wait_for(slow.started.wait(), 2)  # the node's task still serves frames
        await rt.interrupt("again")
        assert slow.events == ["finally", "flush", "finally", "flush"]
        await rt.cancel()


class Stuck(Slow):
    """Its cleanup outlives the runtime's flush deadline."""

    @handles
    async def on_text(self, frame: TextFrame, out: Outbox) -> None:
        self.started.set()
        try:
            await asyncio.Event().wait()
        finally:
            await asyncio.sleep(0.5)
            self.events.append("finally")


async def test_handler_that_does_not_unwind_in_time_is_reported_and_flush_goes_on() -> None:
    stuck = Stuck()
    errors: list[ErrorEvent] = []
    async with Runtime(Graph.chain(stuck), flush_timeout=0.05) as rt:
        rt.bus.subscribe(errors.append, ErrorEvent)
        await rt.push(TextFrame(text="a"))
        await asyncio.wait_for(stuck.started.wait(), 2)
        await rt.interrupt("barge-in")
        assert stuck.events == ["flush"]
        assert [e.error.code for e in errors] == [ErrorCode.TIMEOUT]
        await rt.cancel()
