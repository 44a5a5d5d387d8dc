"""Cost of one anyio cancel scope per handler call, against a bare await (asyncio backend).

Why the runtime stays on plain asyncio for handler calls: a fused hop costs well under a
microsecond (`benchmarks/runtime.py`, latency marginal_per_hop_p50_us), and wrapping each
handler call in a scope would multiply it. Usage: `python benchmarks/cancel_scope.py`;
prints one JSON object (ns per call, best of 3 rounds).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import anyio

CALLS = 200_000


async def _handler() -> None:
    return None


async def _bare(n: int) -> float:
    t0 = time.perf_counter_ns()
    for _ in range(n):
        await _handler()
    return (time.perf_counter_ns() - t0) / n


async def _scoped(n: int) -> float:
    t0 = time.perf_counter_ns()
    for _ in range(n):
        with anyio.CancelScope():
            await _handler()
    return (time.perf_counter_ns() - t0) / n


async def _run() -> dict[str, float]:
    bare = min([await _bare(CALLS) for _ in range(3)])
    scoped = min([await _scoped(CALLS) for _ in range(3)])
    return {
        "bare_await_ns": round(bare),
        "anyio_cancel_scope_ns": round(scoped),
        "added_ns": round(scoped - bare),
    }


if __name__ == "__main__":
    sys.stdout.write(json.dumps(asyncio.run(_run())) + "\n")
