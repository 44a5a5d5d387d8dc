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


class FusedSlow(Slow):
    """The same handler on a fused head: it runs in the task that called `Runtime.push`."""

    concurrent = False

    @handles
    async def on_text(self, frame: TextFrame, out: Outbox) -> None:
        self.started.set()
        try:
            await asyncio.Event().wait()
            await out.send(TextFrame(text=f"late {frame.text}"))
        finally:
            await asyncio.sleep(0)
            self.events.append("finally")


async def test_interruption_cancels_a_push_driving_a_fused_head_and_the_push_returns() -> None:
    slow = FusedSlow()
    async with Runtime(Graph.chain(slow)) as rt:
        assert rt.queue_depth(slow.name) == 0  # fused: no lane, no task of its own
        out = rt.collect()
        pushing = asyncio.create_task(rt.push(TextFrame(text="a")))
        await asyncio.wait_for(slow.started.wait(), 2)
        assert await rt.interrupt("barge-in")
        assert slow.events == ["finally", "flush"]  # unwound before on_flush, as a node task
        await asyncio.wait_for(pushing, 2)  # returns normally: the caller is not cancelled
        assert not pushing.cancelled() and pushing.exception() is None
        assert not [f for f in out if isinstance(f, TextFrame)]
        slow.started.clear()
        again = asyncio.create_task(rt.push(TextFrame(text="b")))  # the head serves new pushes
        await asyncio.wait_for(slow.started.wait(), 2)
        await rt.interrupt("again")
        await asyncio.wait_for(again, 2)
        assert slow.events == ["finally", "flush", "finally", "flush"]


async def test_a_push_cancelled_by_its_caller_still_raises() -> None:
    slow = FusedSlow()
    async with Runtime(Graph.chain(slow)) as rt:
        pushing = asyncio.create_task(rt.push(TextFrame(text="a")))
        await asyncio.wait_for(slow.started.wait(), 2)
        pushing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await pushing
        assert slow.events == ["finally"]
        await rt.cancel()
