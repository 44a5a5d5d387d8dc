"""What a live graph costs the garbage collector: no cyclic garbage per frame, few objects per node.

A full collection walks every tracked object of the live graphs (issue 19: the p99 tail at
200 real-time graphs was gen-2 pauses), so the hot path must leave no cycles behind and a
node must not hold needless objects (bound methods of itself, duplicate routers).
"""

from __future__ import annotations

import asyncio
import gc
import types

from voicegraph.framework import Graph, Outbox, Processor, Runtime, handles
from voicegraph.framework.frames import TextFrame
from voicegraph.framework.graph import EdgeConfig
from voicegraph.framework.node import Node
from voicegraph.framework.routing import Router


class Relay(Processor):
    """Forwards every text frame (an explicit handler, as a real node would have)."""

    @handles
    async def on_text(self, frame: TextFrame, out: Outbox) -> None:
        await out.send(frame)


def _chain(n: int, *, queued_every: int = 0) -> Graph:
    names = [f"r{i}" for i in range(n)]
    queued = {
        nm: EdgeConfig(queued=True) for i, nm in enumerate(names) if queued_every and i % queued_every == 1
    }
    return Graph.chain(*(Relay(name=nm) for nm in names), edges=queued)


def _reachable(root: object) -> list[object]:
    seen: dict[int, object] = {}
    todo = [root]
    while todo:
        obj = todo.pop()
        if id(obj) in seen or isinstance(obj, (type, types.ModuleType, types.FunctionType)):
            continue
        seen[id(obj)] = obj
        todo.extend(gc.get_referents(obj))
    return list(seen.values())


def test_hot_path_leaves_no_cyclic_garbage() -> None:
    async def main() -> int:
        rt = Runtime(_chain(10, queued_every=4))
        done = asyncio.Event()
        got: list[int] = []

        def on_output(frame: object, sink: str) -> None:
            got.append(1)
            if len(got) == 2000:
                done.set()

        rt.on_output(on_output)
        await rt.start()
        gc.collect()
        gc.disable()
        try:
            for i in range(2000):
                await rt.push(TextFrame(text=str(i)))
            await asyncio.wait_for(done.wait(), 10)
            found = gc.collect()
        finally:
            gc.enable()
        await rt.end()
        return found

    assert asyncio.run(main()) < 20  # a cycle per frame would be thousands


def test_a_node_holds_no_bound_method_of_itself() -> None:
    rt = Runtime(_chain(10, queued_every=4))
    bound = [o for o in _reachable(rt) if isinstance(o, types.MethodType) and isinstance(o.__self__, Node)]
    assert bound == []


def test_system_and_upstream_outboxes_share_one_router() -> None:
    rt = Runtime(_chain(10))
    routers = {id(o) for o in _reachable(rt) if isinstance(o, Router)}
    assert len(routers) == 2 * len(rt.nodes)
