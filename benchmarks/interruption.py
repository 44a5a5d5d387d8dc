"""Interruption latency and stale frames: request at the head until the last node has flushed.

Scenarios (chain of 10 nodes, a fresh session per repetition):
- backlog: the head sends a burst of 1,000 output-audio frames into queued nodes, then the
  interruption is raised (by the head itself, or from outside once the burst is out);
- in_flight: the head's producer streams output audio as fast as the chain takes it; after
  1,000 frames a "user started speaking" frame reaches the head (or the outside API is called);
- slow_node: the last node takes 2 ms per frame (a paced output); the head sends the same
  burst, and once 20 frames have left the chain (the rest wait at the slow node, not in the
  first queues) the interruption is raised. The two backlog cases are Pipecat's two cases:
  a frame still in a processor's input queue when the interruption arrives is moved to the
  fresh process queue after it (its input queue serves system frames first), so it goes
  on; a frame already in a process queue is dropped;
- idle: nothing flows.
A frame is stale if the head sent it before the interruption was raised; stale frames seen
leaving the last node after it has flushed are what a user would hear after barging in.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable
from typing import Any

from benchmarks.session import Session, Variant, make_session
from benchmarks.stats import summary_us

NODES = 10
BACKLOG = 1000
CAPACITY = 2048
"""voicegraph edge capacity for the backlog scenario, so 1,000 frames really sit in queues."""
FLUSH_WAIT_S = 3.0
QUIET_S = 0.05
SETTLE_LIMIT_S = 3.0
SLOW_TAIL_S = 0.002
"""Time the last node takes per frame in the slow_node scenario."""
SLOW_EXITS = 20
"""Frames out of the chain before the slow_node interruption."""
AFTER_S = 0.05
"""How long the producer keeps streaming after the interruption (in_flight)."""


async def _until(cond: Callable[[], bool], limit_s: float) -> None:
    deadline = time.perf_counter() + limit_s
    while not cond():
        if time.perf_counter() > deadline:
            raise TimeoutError("benchmark condition not reached in time")
        await asyncio.sleep(0.0005)


async def _raise(session: Session, scenario: str, how: str, exits: list[tuple[int, int]]) -> tuple[int, int]:
    """Set the scene and raise the interruption; returns (request time, API return time)."""
    probe = session.probe
    if scenario == "slow_node":
        await session.burst(BACKLOG, request=False)
        await _until(lambda: len(probe.sent) >= BACKLOG and len(exits) >= SLOW_EXITS, FLUSH_WAIT_S)
    elif scenario == "backlog":
        await session.burst(BACKLOG, request=how == "head")
        if how == "head":
            await _until(lambda: probe.interrupt_ns > 0, FLUSH_WAIT_S)
            return probe.interrupt_ns, probe.interrupt_ns
        await _until(lambda: len(probe.sent) >= BACKLOG, FLUSH_WAIT_S)
    elif scenario == "in_flight":
        session.set_producing(True)
        await _until(lambda: len(probe.sent) >= BACKLOG, FLUSH_WAIT_S)
    t_req = time.perf_counter_ns()
    await (session.barge_in() if how == "head" else session.interrupt())
    return t_req, time.perf_counter_ns()


async def one_interruption(session: Session, scenario: str, how: str) -> dict[str, int]:
    """One interruption on a started session; times in ns, stale frames counted."""
    probe = session.probe
    exits: list[tuple[int, int]] = []
    probe.on_exit = lambda fid: exits.append((fid, time.perf_counter_ns()))
    flushed = asyncio.Event()
    probe.on_flushed = flushed.set
    t_req, t_ret = await _raise(session, scenario, how, exits)
    await asyncio.wait_for(flushed.wait(), FLUSH_WAIT_S)
    if scenario == "in_flight":
        await asyncio.sleep(AFTER_S)
        session.set_producing(False)
    await _settle(exits)
    cutoff, flushed_ns = probe.interrupt_ns, probe.flushed_ns
    before = {fid for fid, t in probe.sent.items() if t < cutoff}
    return {
        "latency_ns": flushed_ns - t_req,
        "call_ns": t_ret - t_req,
        "sent_before": len(before),
        "delivered_before": sum(1 for fid, t in exits if fid in before and t <= cutoff),
        "stale_after_request": sum(1 for fid, t in exits if fid in before and t > cutoff),
        "stale_after_flush": sum(1 for fid, t in exits if fid in before and t > flushed_ns),
    }


async def _settle(exits: list[tuple[int, int]]) -> None:
    """Wait until no frame has left the chain for QUIET_S (at most SETTLE_LIMIT_S)."""
    deadline = time.perf_counter() + SETTLE_LIMIT_S
    seen = -1
    while len(exits) != seen and time.perf_counter() < deadline:
        seen = len(exits)
        await asyncio.sleep(QUIET_S)


async def run_case(variant: Variant, scenario: str, how: str, reps: int) -> dict[str, object]:
    """`reps` interruptions, each on a fresh session; summary of latency and stale counts."""
    runs: list[dict[str, int]] = []
    queued = scenario in ("backlog", "slow_node") and variant is not Variant.PIPECAT
    capacity = CAPACITY if queued else None
    slow = SLOW_TAIL_S if scenario == "slow_node" else 0.0
    for i in range(reps):
        gc.collect()  # start each repetition from a clean heap (outside the timed part)
        session = make_session(
            variant, NODES, name=f"int-{scenario}-{how}-{i}", capacity=capacity, slow_tail_s=slow
        )
        await session.start()
        try:
            runs.append(await one_interruption(session, scenario, how))
        finally:
            await session.stop()
    return {
        "reps": reps,
        "latency": summary_us([r["latency_ns"] for r in runs]),
        "api_call": summary_us([r["call_ns"] for r in runs]),
        "sent_before_mean": round(sum(r["sent_before"] for r in runs) / reps, 1),
        "delivered_before_mean": round(sum(r["delivered_before"] for r in runs) / reps, 1),
        "stale_after_flush_total": sum(r["stale_after_flush"] for r in runs),
        "stale_after_flush_max": max(r["stale_after_flush"] for r in runs),
        "stale_after_request_total": sum(r["stale_after_request"] for r in runs),
    }


CASES: dict[str, list[Variant]] = {
    "backlog": [Variant.VOICEGRAPH_QUEUED, Variant.PIPECAT],
    "slow_node": [Variant.VOICEGRAPH_QUEUED, Variant.PIPECAT],
    "in_flight": [Variant.VOICEGRAPH, Variant.VOICEGRAPH_QUEUED, Variant.PIPECAT],
    "idle": [Variant.VOICEGRAPH, Variant.VOICEGRAPH_QUEUED, Variant.PIPECAT],
}
HOWS = {"head": "a node at the head requests it", "api": "the framework's outside API"}


async def run_interruption(reps: int, variants: list[Variant]) -> dict[str, Any]:
    """Every scenario x way of raising it x variant."""
    out: dict[str, Any] = {}
    for scenario, allowed in CASES.items():
        for how in HOWS:
            out[f"{scenario}/{how}"] = {
                v: await run_case(v, scenario, how, reps) for v in allowed if v in variants
            }
    return out
