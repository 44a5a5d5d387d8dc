"""Idle graphs: RSS and asyncio tasks per idle 10-node graph; time to build and start K graphs.

Meant to run in a fresh process per framework (see `isolated.py`), so one framework's
allocations and imports cannot pollute the other's figures.
"""

from __future__ import annotations

import asyncio
import gc
import time

import psutil  # type: ignore[import-untyped]

from benchmarks.session import Variant, make_session

NODES = 10


def _rss() -> int:
    gc.collect()
    return int(psutil.Process().memory_info().rss)


async def idle(variant: str, k: int, settle_s: float = 1.0) -> dict[str, object]:
    """Start K idle graphs after one warm-up graph (imports and caches paid before the baseline)."""
    warm = make_session(Variant(variant), NODES, name="warm")
    await warm.start()
    await warm.stop()
    del warm
    await asyncio.sleep(0.2)
    rss0, tasks0 = _rss(), len(asyncio.all_tasks())
    t0 = time.perf_counter()
    sessions = [make_session(Variant(variant), NODES, name=f"idle{i}") for i in range(k)]
    t1 = time.perf_counter()
    await asyncio.gather(*(s.start() for s in sessions))
    t2 = time.perf_counter()
    await asyncio.sleep(settle_s)
    rss1, tasks1 = _rss(), len(asyncio.all_tasks())
    cpu0 = time.process_time()
    await asyncio.sleep(settle_s)
    idle_cpu = time.process_time() - cpu0
    return {
        "k": k,
        "rss_per_graph_kb": round((rss1 - rss0) / k / 1024, 1),
        "tasks_per_graph": round((tasks1 - tasks0) / k, 2),
        "build_s": round(t1 - t0, 4),
        "start_s": round(t2 - t1, 4),
        "build_and_start_s": round(t2 - t0, 4),
        "idle_cpu_core_fraction": round(idle_cpu / settle_s, 4),
        "sessions_alive": len(sessions),
    }
