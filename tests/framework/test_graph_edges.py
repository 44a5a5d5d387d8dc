"""Lane capacity and overflow policy set through `Graph.chain` and `Graph.set_edge`."""

from __future__ import annotations

import asyncio

import pytest

from voicegraph.framework import EdgeConfig, ErrorCode, Graph, Outbox, Overflow, Runtime, VoiceError, handles
from voicegraph.framework.frames import TextFrame

from .nodes import Gate, QueuedRecorder, Recorder, texts

pytestmark = pytest.mark.anyio


class UntilNine(Recorder):
    """A recorder that sets `seen_nine` when the text "9" reaches it."""

    def __init__(self) -> None:
        super().__init__()
        self.seen_nine = asyncio.Event()

    @handles
    async def on_text(self, frame: TextFrame, out: Outbox) -> None:
        await super().on_text(frame, out)
        if frame.text == "9":
            self.seen_nine.set()


async def test_chain_edges_set_capacity_and_drop_oldest_of_the_named_node() -> None:
    gate = Gate()
    live = EdgeConfig(capacity=3, overflow=Overflow.DROP_OLDEST)
    last = UntilNine()
    async with Runtime(Graph.chain(gate, last, edges={"Gate": live})) as rt:
        out = rt.collect()
        await rt.push(TextFrame(text="0"))
        await gate.entered.wait()  # "0" is in the handler; the lane is empty
        for i in range(1, 10):
            await rt.push(TextFrame(text=str(i)))
        assert rt.queue_depth("Gate") == 3
        assert rt.stats()["in:Gate"]["dropped_overflow"] == 6
        gate.open.set()
        await last.seen_nine.wait()  # the end frame would take a place in the full lane
    assert texts(out) == ["0", "7", "8", "9"]


async def test_chain_edge_sets_the_lane_of_every_node() -> None:
    graph = Graph.chain(QueuedRecorder(), QueuedRecorder(), edge=EdgeConfig(capacity=5))
    async with Runtime(graph) as rt:
        capacities = [node.edge.capacity for node in rt.nodes.values() if node.edge is not None]
    assert capacities == [5, 5]


async def test_a_queued_head_takes_pushed_frames_without_running_them() -> None:
    head = Recorder()
    graph = Graph.chain(head, Recorder(), edges={"Recorder": EdgeConfig(queued=True)})
    async with Runtime(graph) as rt:
        out = rt.collect()
        for word in ["a", "b", "c"]:
            await rt.push(TextFrame(text=word))
        assert texts(head.seen) == []
        assert rt.queue_depth("Recorder") == 3
    assert texts(out) == ["a", "b", "c"]


async def test_a_fused_head_runs_the_pushed_frame_before_push_returns() -> None:
    head = Recorder()
    async with Runtime(Graph.chain(head, Recorder())) as rt:
        await rt.push(TextFrame(text="a"))
        assert texts(head.seen) == ["a"]
        assert rt.queue_depth("Recorder") == 0


def test_an_unknown_name_in_chain_edges_is_an_invalid_config_error() -> None:
    with pytest.raises(VoiceError) as err:
        Graph.chain(Recorder(), edges={"Recorder_2": EdgeConfig(capacity=2)})
    assert err.value.code is ErrorCode.INVALID_CONFIG


async def test_set_edge_sizes_the_lane_of_a_node_added_before() -> None:
    graph = Graph()
    graph.add(QueuedRecorder(), name="slow")
    graph.set_edge("slow", EdgeConfig(capacity=2))
    async with Runtime(graph) as rt:
        edge = rt.nodes["slow"].edge
        assert edge is not None
        assert edge.capacity == 2
