"""A worker at its limit reports full and gets no new jobs; a drained worker (SIGTERM)
takes no new jobs, finishes its calls and exits."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from typing import Any

import pytest

from tests.livekit_server import LiveKitServer
from voicegraph.transports.livekit import LiveKitConfig

from .worker_fleet import Caller, WorkerProcess, lk_config

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


def limit(n: int) -> dict[str, str]:
    return {"VOICEGRAPH_BACKEND__OPTIONS__MAX_JOBS": str(n)}


async def six_rooms(config: LiveKitConfig) -> list[Caller]:
    callers = [Caller(config, f"limit-{i}") for i in range(6)]
    try:
        for c in callers:
            await c.join()
            await asyncio.sleep(0.3)
        await asyncio.gather(*(c.turn(1) for c in callers))
    finally:
        await asyncio.gather(*(c.leave() for c in callers))
    return callers


def test_a_worker_at_its_limit_reports_full_and_gets_no_more_jobs(livekit: LiveKitServer) -> None:
    small, big = WorkerProcess(livekit, env=limit(2)), WorkerProcess(livekit, env=limit(10))
    try:
        small.event("registered"), big.event("registered")
        callers = asyncio.run(six_rooms(lk_config(livekit)))
    finally:
        small.stop(), big.stop()
    served = Counter(c.served_by()[0] for c in callers)
    assert served[small.worker_id] <= 2 and sum(served.values()) == 6, served
    if served[small.worker_id] == 2:  # it took its two: it must have said so
        assert "worker status WS_FULL" in small.tail(100_000), small.tail()


async def drain_scenario(config: LiveKitConfig, workers: list[WorkerProcess]) -> dict[str, Any]:
    first = Caller(config, "drain-0")
    later = Caller(config, "drain-1")
    out: dict[str, Any] = {}
    try:
        await first.join()
        await first.turn(1)
        pid = first.served_by()[1]
        draining = next(w for w in workers if str(w.proc.pid) == pid)
        draining.signal(signal.SIGTERM)
        await asyncio.to_thread(draining.event, "draining", 10)
        await later.join()  # a new room while the first worker drains
        await asyncio.gather(first.turn(2), later.turn(1))  # the call in progress goes on
        out.update(draining=draining, later_by=later.served_by()[0], exit_while_in_call=draining.proc.poll())
    finally:
        await asyncio.gather(first.leave(), later.leave())
    return out


def test_a_draining_worker_takes_no_new_room_finishes_its_call_and_exits(livekit: LiveKitServer) -> None:
    workers = [WorkerProcess(livekit) for _ in range(2)]
    try:
        for w in workers:
            w.event("registered")
        out = asyncio.run(drain_scenario(lk_config(livekit), workers))
        draining: WorkerProcess = out["draining"]
        stopped = draining.event("stopped", timeout=30)
        code = draining.wait(10)
    finally:
        for w in workers:
            w.stop()
    other = next(w for w in workers if w is not draining)
    assert out["exit_while_in_call"] is None
    assert out["later_by"] == other.worker_id
    assert code == 0 and stopped["drained"] and stopped["jobs_done"] == 1, (stopped, draining.tail())
