from __future__ import annotations

import asyncio
import gc

import psutil  # type: ignore[import-untyped]  # no types-psutil in the venv

from voicegraph.framework import Graph, Runtime
from voicegraph.framework.frames import TextFrame

from .nodes import QueuedRecorder, Recorder


async def _cycle(n: int) -> None:
    for i in range(n):
        graph = Graph.chain(Recorder(), QueuedRecorder(), Recorder(), QueuedRecorder())
        rt = Runtime(graph)
        await rt.start()
        await rt.push(TextFrame(text="x"))
        if i % 3 == 0:
            await rt.interrupt()
        if i % 2:
            await rt.end()
        else:
            await rt.cancel()


def test_thousands_of_graphs_leave_rss_and_tasks_flat() -> None:
    async def main() -> tuple[int, int, int, int]:
        proc = psutil.Process()
        await _cycle(300)  # warm caches and allocator pools
        gc.collect()
        rss0, tasks0 = proc.memory_info().rss, len(asyncio.all_tasks())
        await _cycle(3000)
        gc.collect()
        return rss0, proc.memory_info().rss, tasks0, len(asyncio.all_tasks())

    rss0, rss1, tasks0, tasks1 = asyncio.run(main())
    assert tasks1 == tasks0 == 1
    assert rss1 - rss0 < 3 * 1024 * 1024, f"RSS grew by {(rss1 - rss0) / 1024:.0f} KiB over 3000 graphs"
