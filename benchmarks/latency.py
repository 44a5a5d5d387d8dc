"""Per-hop latency (one frame at a time) and throughput (as fast as possible) through a chain."""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any

from benchmarks.session import FrameKind, Session, Variant, make_session
from benchmarks.stats import summary_us

WAIT_S = 10.0
"""Longest wait for one frame (or one throughput run) before the run is declared stuck."""


async def hop_latency(session: Session, kind: FrameKind, count: int, warmup: int) -> dict[str, object]:
    """Push one frame, wait until it leaves the last node, record the time; `count` times.

    Returns the end-to-end and per-hop (end-to-end / nodes) summaries in microseconds.
    """
    loop = asyncio.get_running_loop()
    exit_ns = 0
    fut: asyncio.Future[None] = loop.create_future()

    def on_exit(_frame_id: int) -> None:
        nonlocal exit_ns
        exit_ns = time.perf_counter_ns()
        if not fut.done():
            fut.set_result(None)

    session.probe.on_exit = on_exit
    samples: list[int] = []
    for i in range(warmup + count):
        frame, _ = session.frame(kind)
        fut = loop.create_future()
        t0 = time.perf_counter_ns()
        await session.push(frame)
        await asyncio.wait_for(fut, WAIT_S)
        if i >= warmup:
            samples.append(exit_ns - t0)
    session.probe.on_exit = None
    return {
        "end_to_end": summary_us(samples),
        "per_hop": summary_us(samples, scale=session.nodes),
    }


async def throughput(session: Session, kind: FrameKind, count: int) -> dict[str, float]:
    """Push `count` frames as fast as the chain takes them; frames per second end to end."""
    loop = asyncio.get_running_loop()
    left = count
    done: asyncio.Future[None] = loop.create_future()

    def on_exit(_frame_id: int) -> None:
        nonlocal left
        left -= 1
        if left == 0 and not done.done():
            done.set_result(None)

    session.probe.on_exit = on_exit
    frames = [session.frame(kind)[0] for _ in range(count)]
    cpu0, t0 = time.process_time(), time.perf_counter()
    for frame in frames:
        await session.push(frame)
    await asyncio.wait_for(done, WAIT_S * 6)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    session.probe.on_exit = None
    return {
        "frames": count,
        "fps": round(count / wall, 1),
        "cpu_per_frame_hop_us": round(cpu / (count * session.nodes) * 1e6, 3),
    }


async def _with_session(variant: Variant, nodes: int) -> Session:
    gc.collect()  # the previous framework's garbage must not be collected on this one's clock
    session = make_session(variant, nodes, name=f"lat-{variant}-{nodes}")
    await session.start()
    return session


async def run_latency(
    variants: list[Variant], sizes: list[int], kinds: list[FrameKind], count: int, warmup: int
) -> dict[str, Any]:
    """`hop_latency` for every variant x chain length x frame kind, variants interleaved."""
    out: dict[str, Any] = {}
    for kind in kinds:
        for nodes in sizes:
            row: dict[str, object] = {}
            for variant in variants:
                session = await _with_session(variant, nodes)
                try:
                    row[variant] = await hop_latency(session, kind, count, warmup)
                finally:
                    await session.stop()
            out[f"{kind}/{nodes}_nodes"] = row
    return out


async def run_throughput(
    variants: list[Variant], sizes: list[int], kind: FrameKind, count: int
) -> dict[str, Any]:
    """`throughput` for every variant x chain length (after a short warm-up run)."""
    out: dict[str, Any] = {}
    for nodes in sizes:
        row: dict[str, object] = {}
        for variant in variants:
            session = await _with_session(variant, nodes)
            try:
                await throughput(session, kind, max(10, count // 10))
                row[variant] = await throughput(session, kind, count)
            finally:
                await session.stop()
        out[f"{kind}/{nodes}_nodes"] = row
    return out
