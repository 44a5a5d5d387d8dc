"""A room that no worker could take (all full) is dispatched again once capacity frees.

livekit-server offers a new room's job only while a worker is WS_AVAILABLE under its
target load (0.7), and drops it otherwise ("failed to send job request: no servers
available"); it never offers it again. Two workers of one job each (`max_jobs: 1`),
sharing the job ledger in Redis; three rooms with a user each. The third room gets no job;
when the call in the first room ends, the freed worker finds the room (its latest dispatch
has no job, no job record in the ledger, a user in it), asks the server for a dispatch
(AgentDispatchService), takes it, and the third user is answered.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from tests.livekit_server import LiveKitServer
from voicegraph.backends.providers.livekit_worker.job_ledger import JobLedger
from voicegraph.backends.providers.livekit_worker.room_job import RoomJob
from voicegraph.transports.livekit import LiveKitConfig

from .worker_fleet import Caller, RedisProcess, WorkerProcess, lk_config

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


def one_job_each(redis: RedisProcess) -> dict[str, str]:
    return {
        "VOICEGRAPH_BACKEND__OPTIONS__MAX_JOBS": "1", "VOICEGRAPH_BACKEND__OPTIONS__LEDGER_URL": redis.url,
        "VOICEGRAPH_BACKEND__OPTIONS__HEARTBEAT_S": "0.5",
        "VOICEGRAPH_BACKEND__OPTIONS__RETRY_GRACE_S": "1.0",
    }  # fmt: skip


async def third_room_waits(config: LiveKitConfig) -> dict[str, Any]:
    first, second, third = (Caller(config, f"declined-{i}") for i in range(3))
    out: dict[str, Any] = {}
    try:
        for c in (first, second):
            await c.join()
            await asyncio.sleep(0.5)
        await asyncio.gather(first.turn(1), second.turn(1))
        await third.join()
        await asyncio.sleep(3.0)  # both workers are full: nobody may take it yet
        out["third_before"] = third.served_by()
        await first.leave()  # one call ends; its worker's job ends after the rejoin grace
        t_free = time.monotonic()
        await asyncio.gather(third.turn(1, timeout=45.0), second.turn(2))
        out.update(
            third_answered_s=round(time.monotonic() - t_free, 2),
            served={c.room_name: c.served_by()[0] for c in (first, second, third)},
            said={c.room_name: c.bot_said for c in (first, second, third)},
        )
    finally:
        await asyncio.gather(*(c.leave() for c in (second, third)))
    return out


def test_a_room_every_worker_declined_is_served_once_a_call_ends(
    livekit: LiveKitServer, redis_in_netns: RedisProcess
) -> None:
    workers = [WorkerProcess(livekit, env=one_job_each(redis_in_netns)) for _ in range(2)]
    try:
        for w in workers:
            w.event("registered")
        out = asyncio.run(third_room_waits(lk_config(livekit)))
    finally:
        for w in workers:
            w.stop()
    print(json.dumps({k: v for k, v in out.items() if k != "said"}))
    logs = "".join(w.tail(100_000) for w in workers)
    assert out["third_before"] == ("", ""), (out, logs[-3000:])
    assert out["served"]["declined-2"] in {w.worker_id for w in workers}, out
    assert all(any("(turn 1)" in s for s in said) for said in out["said"].values()), out


async def offer_a_held_room(config: LiveKitConfig, redis: RedisProcess) -> tuple[str, str]:
    other = JobLedger(redis.url, prefix="voicegraph:lkjobs", heartbeat_s=30.0)  # alive for 90 s
    await other.open()
    caller = Caller(config, "held-0")
    try:
        await other.record(RoomJob("AJ_other", "held-0"), "AW_other", "agent-other")
        await caller.join()
        await asyncio.sleep(4.0)
        return caller.served_by()
    finally:
        await caller.leave()
        await other.close()


def test_an_offer_for_a_room_with_a_live_job_elsewhere_is_answered_done(
    livekit: LiveKitServer, redis_in_netns: RedisProcess
) -> None:
    worker = WorkerProcess(livekit, env=one_job_each(redis_in_netns))
    try:
        worker.event("registered")
        served = asyncio.run(offer_a_held_room(lk_config(livekit), redis_in_netns))
    finally:
        worker.stop()
    log = worker.tail(100_000)
    assert served == ("", ""), log
    assert "served by worker AW_other; done" in log and "dispatched again" not in log, log
