"""StartContext: the narrow view a node gets of its running graph."""

from __future__ import annotations

import asyncio

import pytest

from voicegraph.framework import Graph, Processor, Runtime, StartContext
from voicegraph.framework.frames import EndFrame, TextFrame

from .nodes import Recorder, texts

pytestmark = pytest.mark.anyio


class Inspector(Processor):
    """Keeps its start context and writes one value into the graph's shared state."""

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self.ctx: StartContext | None = None

    async def on_start(self, ctx: StartContext) -> None:
        self.ctx = ctx
        ctx.shared.setdefault("starts", []).append(self.name)


async def test_context_gives_names_epoch_and_one_shared_state_per_graph() -> None:
    a, b = Inspector(name="a"), Inspector(name="b")
    async with Runtime(Graph.chain(a, b, name="g")) as rt:
        assert a.ctx is not None and b.ctx is not None
        assert (a.ctx.graph_name, a.ctx.node) == ("g", "a")
        assert a.ctx.shared is b.ctx.shared
        assert a.ctx.shared["starts"] == ["b", "a"]  # downstream nodes start first
        assert set(a.ctx.processors) == {"a", "b"}
        assert a.ctx.epoch == 0
        await rt.interrupt("test")
        assert a.ctx.epoch == 1
    other = Inspector(name="a")
    async with Runtime(Graph.chain(other, name="g")):
        assert other.ctx is not None
        assert other.ctx.shared["starts"] == ["a"]


async def test_input_node_ends_the_stream_through_its_context() -> None:
    src, rec = Inspector(name="src"), Recorder()
    rt = Runtime(Graph.chain(src, rec))
    await rt.start()
    out = rt.collect()
    assert src.ctx is not None
    await src.ctx.push(TextFrame(text="hi"))
    await src.ctx.push(EndFrame())
    await asyncio.wait_for(rt.wait(), 2)
    await rt.cancel()
    assert texts(out) == ["hi"]
    assert rec.drains == 1
