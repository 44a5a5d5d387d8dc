"""The job ledger on a real redis-server: which jobs are orphans, and who may claim them."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest

from voicegraph.backends.providers.livekit_worker.job_ledger import JobLedger
from voicegraph.backends.providers.livekit_worker.loop_lag import LoopLag
from voicegraph.backends.providers.livekit_worker.room_job import RoomJob

pytestmark = pytest.mark.anyio


@pytest.fixture
async def two(redis_url: str) -> AsyncIterator[tuple[JobLedger, JobLedger]]:
    prefix = f"test-ledger-{uuid.uuid4().hex[:6]}"
    a = JobLedger(redis_url, prefix=prefix, heartbeat_s=0.2)
    b = JobLedger(redis_url, prefix=prefix, heartbeat_s=0.2)
    await a.open()
    await b.open()
    yield a, b
    await a.close()
    await b.close()


async def test_the_jobs_of_a_live_worker_are_not_orphans(two: tuple[JobLedger, JobLedger]) -> None:
    a, b = two
    await a.record(RoomJob("AJ_1", "room-1", agent_name="support"), "AW_a", "agent-AJ_1")
    assert await b.orphans() == [] and await a.orphans() == []


async def test_the_jobs_of_a_worker_whose_mark_lapsed_are_orphans(two: tuple[JobLedger, JobLedger]) -> None:
    a, b = two
    await a.record(RoomJob("AJ_1", "room-1", agent_name="support"), "AW_a", "agent-AJ_1")
    await asyncio.sleep(0.8)  # a stops beating (3 x 0.2 s): it is dead
    await b._beat()
    found = await b.orphans()
    assert [room for room, _ in found] == ["room-1"]
    assert found[0][1]["agent_name"] == "support" and found[0][1]["identity"] == "agent-AJ_1"


async def test_a_job_that_ended_here_is_forgotten(two: tuple[JobLedger, JobLedger]) -> None:
    a, b = two
    job = RoomJob("AJ_1", "room-1")
    await a.record(job, "AW_a", "agent-AJ_1")
    await a.forget(job)
    await asyncio.sleep(0.8)
    assert await b.orphans() == []


async def test_the_loop_lag_sees_a_stalled_loop() -> None:
    lag = LoopLag(period_s=0.02, window=10)
    probe = asyncio.get_running_loop().create_task(lag.run())
    await asyncio.sleep(0.1)
    time.sleep(0.15)  # noqa: ASYNC251 - blocks the event loop on purpose: the probe wakes late
    await asyncio.sleep(0.05)
    probe.cancel()
    assert lag.worst_ms >= 100 and lag.lag_ms > 0


async def test_a_room_is_served_by_the_worker_of_its_live_job_only(two: tuple[JobLedger, JobLedger]) -> None:
    a, b = two
    await a.record(RoomJob("AJ_1", "room-1"), "AW_a", "agent-AJ_1")
    assert await b.served_by("room-1") == "AW_a" and await b.served_by("room-2") == ""
    await asyncio.sleep(0.8)  # a's mark lapses: its job no longer serves the room
    assert await b.served_by("room-1") == ""
