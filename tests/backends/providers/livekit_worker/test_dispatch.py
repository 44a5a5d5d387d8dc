"""Three `voicegraph worker` processes register with a real livekit-server; rooms with a
simulated user each are dispatched over them and every user is answered."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from tests.livekit_server import LiveKitServer
from voicegraph.transports.livekit import LiveKitConfig

from .worker_fleet import Caller, WorkerProcess, lk_config

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

ROOMS = 9


@pytest.fixture
def three_workers(livekit: LiveKitServer) -> Iterator[list[WorkerProcess]]:
    workers = [WorkerProcess(livekit) for _ in range(3)]
    try:
        for w in workers:
            w.event("registered")
        yield workers
    finally:
        for w in workers:
            w.stop()


async def call_rooms(config: LiveKitConfig, rooms: list[str]) -> list[Caller]:
    callers = [Caller(config, room) for room in rooms]
    for c in callers:  # staggered, as users come: the server sees each worker's load grow
        await c.join()
        await asyncio.sleep(0.3)
    try:
        await asyncio.gather(*(c.turn(1) for c in callers))
    finally:
        await asyncio.gather(*(c.leave() for c in callers))
    return callers


def test_rooms_are_spread_over_three_workers_and_every_user_is_answered(
    livekit: LiveKitServer, three_workers: list[WorkerProcess]
) -> None:
    rooms = [f"dispatch-{i}" for i in range(ROOMS)]
    callers = asyncio.run(call_rooms(lk_config(livekit), rooms))
    served = Counter(c.served_by()[0] for c in callers)
    ids = {w.worker_id for w in three_workers}
    assert set(served) <= ids and len(served) == 3, served
    assert all(any("(turn 1)" in s for s in c.bot_said) for c in callers)


def test_processes_runs_n_registered_workers_and_sigterm_stops_them_all(livekit: LiveKitServer) -> None:
    parent = WorkerProcess(livekit, args=("--processes", "2"))
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(registered(parent)) < 2:
            time.sleep(0.1)
        ids = {e["worker_id"] for e in registered(parent)}
    finally:
        code = parent.stop(timeout=30)
    stopped = [e for e in parent.events if e.get("event") == "stopped"]
    assert len(ids) == 2, parent.tail()
    drained = all(e["drained"] for e in stopped)
    assert code == 0 and len(stopped) == 2 and drained, (parent.events, parent.tail())


def registered(worker: WorkerProcess) -> list[dict[str, Any]]:
    return [e for e in worker.events if e.get("event") == "registered"]
