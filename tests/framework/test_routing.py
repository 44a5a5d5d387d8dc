"""The one routing path: routes per frame family, the fused-or-queued rule, staleness."""

from __future__ import annotations

import pytest

from voicegraph.framework import Graph, Processor, Runtime
from voicegraph.framework.frames import (
    EndFrame,
    InterruptFrame,
    InterruptRequestFrame,
    TextFrame,
    UserStartedSpeakingFrame,
)
from voicegraph.framework.routing import Route, needs_queue, route_of

from .nodes import QueuedRecorder, Recorder, texts

pytestmark = pytest.mark.anyio


def test_route_follows_lane_and_direction_flags() -> None:
    assert route_of(TextFrame(text="a")) is Route.DATA
    assert route_of(EndFrame()) is Route.DATA  # in-order control frame: the data lane
    assert route_of(UserStartedSpeakingFrame()) is Route.SYSTEM
    assert route_of(InterruptRequestFrame(reason="x", seen_epoch=0)) is Route.UP
    assert route_of(InterruptFrame(new_epoch=1)) is Route.INTERRUPT
    assert route_of(TextFrame(text="a"), up=True) is Route.UP


class Background(Processor):
    background_output = True


def test_fused_or_queued_rule() -> None:
    plain, slow = Recorder(), QueuedRecorder()
    assert not needs_queue(plain, forced=None, fuse=True, upstream=[plain])
    assert needs_queue(plain, forced=None, fuse=False, upstream=[plain])
    assert needs_queue(slow, forced=None, fuse=True, upstream=[plain])
    assert needs_queue(plain, forced=None, fuse=True, upstream=[plain, Recorder()])
    assert needs_queue(plain, forced=None, fuse=True, upstream=[Background()])
    assert not needs_queue(slow, forced=False, fuse=True, upstream=[plain])


async def test_frame_pushed_with_an_old_epoch_never_reaches_a_handler() -> None:
    rec = Recorder()
    async with Runtime(Graph.chain(rec)) as rt:
        out = rt.collect()
        await rt.interrupt("barge-in")
        await rt.push(TextFrame(text="old", epoch=0, pts=0))
        await rt.push(TextFrame(text="new"))
    assert texts(rec.seen) == ["new"]
    assert texts(out) == ["new"]
    assert rt.stats()[f"in:{rec.name}"]["dropped_stale"] == 1
