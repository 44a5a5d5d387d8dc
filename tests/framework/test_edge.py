from __future__ import annotations

import asyncio

import pytest

from voicegraph.framework import Edge, EndOfStream, ErrorCode, Overflow
from voicegraph.framework.frames import EndFrame, TextFrame


@pytest.mark.anyio
async def test_block_policy_makes_the_sender_wait_for_room() -> None:
    edge = Edge(2, Overflow.BLOCK)
    await edge.put(TextFrame(text="1"))
    await edge.put(TextFrame(text="2"))
    third = asyncio.ensure_future(edge.put(TextFrame(text="3")))
    await asyncio.sleep(0)
    assert not third.done() and len(edge) == 2
    first = await edge.get()
    await asyncio.wait_for(third, 1)
    assert isinstance(first, TextFrame) and first.text == "1"
    assert edge.stats.blocked == 1 and edge.stats.high_water == 2


@pytest.mark.anyio
async def test_drop_oldest_counts_what_it_drops() -> None:
    edge = Edge(2, Overflow.DROP_OLDEST)
    for i in range(5):
        await edge.put(TextFrame(text=str(i)))
    assert len(edge) == 2
    assert edge.stats.dropped_overflow == 3
    got = [await edge.get(), await edge.get()]
    assert [f.text for f in got if isinstance(f, TextFrame)] == ["3", "4"]


@pytest.mark.anyio
async def test_drop_oldest_never_drops_control_frames() -> None:
    edge = Edge(1, Overflow.DROP_OLDEST)
    await edge.put(EndFrame())
    blocked = asyncio.ensure_future(edge.put(TextFrame(text="x")))
    await asyncio.sleep(0)
    assert not blocked.done()
    assert isinstance(await edge.get(), EndFrame)
    await asyncio.wait_for(blocked, 1)


@pytest.mark.anyio
async def test_drop_oldest_lets_the_end_frame_wait_instead_of_dropping_data() -> None:
    edge = Edge(2, Overflow.DROP_OLDEST)
    for i in range(5):
        await edge.put(TextFrame(text=str(i)))
    end = asyncio.ensure_future(edge.put(EndFrame()))
    await asyncio.sleep(0)
    assert not end.done() and edge.stats.dropped_overflow == 3
    got = [await edge.get(), await edge.get()]
    await asyncio.wait_for(end, 1)
    assert [f.text for f in got if isinstance(f, TextFrame)] == ["3", "4"]
    assert isinstance(await edge.get(), EndFrame)


@pytest.mark.anyio
async def test_flush_empties_data_but_keeps_control_frames_in_order() -> None:
    edge = Edge(8)
    await edge.put(TextFrame(text="a"))
    await edge.put(EndFrame())
    await edge.put(TextFrame(text="b"))
    assert edge.flush() == 2
    assert isinstance(await edge.get(), EndFrame)
    assert edge.stats.flushed == 2


@pytest.mark.anyio
async def test_sending_into_an_ended_edge_raises_end_of_stream() -> None:
    edge = Edge(1)
    edge.ended = True
    with pytest.raises(EndOfStream) as info:
        await edge.put(TextFrame(text="late"))
    assert info.value.code is ErrorCode.END_OF_STREAM


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Edge(0)
