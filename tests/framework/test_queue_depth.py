"""`Runtime.queue_depth`: frames waiting in front of a node."""

from __future__ import annotations

import pytest

from voicegraph.framework import ErrorCode, Graph, Runtime, VoiceError
from voicegraph.framework.frames import TextFrame

from .nodes import Gate, Recorder, texts

pytestmark = pytest.mark.anyio


async def test_queue_depth_counts_the_frames_waiting_in_a_lane() -> None:
    gate = Gate()
    async with Runtime(Graph.chain(gate)) as rt:
        out = rt.collect()
        for i in range(4):
            await rt.push(TextFrame(text=str(i)))
        await gate.entered.wait()
        assert rt.queue_depth("Gate") == 3
        assert rt.queue_depth("Gate") == rt.stats()["in:Gate"]["queued"]
        gate.open.set()
    assert texts(out) == ["0", "1", "2", "3"]
    assert rt.queue_depth("Gate") == 0


async def test_queue_depth_drops_to_zero_on_an_interruption() -> None:
    gate = Gate()
    async with Runtime(Graph.chain(gate)) as rt:
        for i in range(4):
            await rt.push(TextFrame(text=str(i)))
        await gate.entered.wait()
        assert await rt.interrupt("test")
        assert rt.queue_depth("Gate") == 0
        gate.open.set()


async def test_queue_depth_of_a_fused_node_is_zero() -> None:
    async with Runtime(Graph.chain(Recorder())) as rt:
        await rt.push(TextFrame(text="a"))
        assert rt.queue_depth("Recorder") == 0


async def test_queue_depth_of_an_unknown_node_is_an_invalid_config_error() -> None:
    async with Runtime(Graph.chain(Recorder())) as rt:
        with pytest.raises(VoiceError) as err:
            rt.queue_depth("Recorder_2")
    assert err.value.code is ErrorCode.INVALID_CONFIG
