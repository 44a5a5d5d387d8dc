"""Session and connect-rate limits shared by every worker of a fleet, on a real redis-server."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from voicegraph.backends.providers.livekit_worker.fleet_limits import FleetLimits
from voicegraph.framework.errors import ErrorCode, VoiceError

pytestmark = pytest.mark.anyio


@pytest.fixture
async def two_workers(redis_url: str) -> AsyncIterator[tuple[FleetLimits, FleetLimits]]:
    prefix = f"test-fleet-{uuid.uuid4().hex[:6]}"
    a = FleetLimits(redis_url, prefix=prefix, max_sessions=2, rate=0.5, burst=3, stale_s=0.5)
    b = FleetLimits(redis_url, prefix=prefix, max_sessions=2, rate=0.5, burst=3, stale_s=0.5)
    await a.open()
    await b.open()
    yield a, b
    await a.close()
    await b.close()


async def test_the_session_limit_holds_across_workers(two_workers: tuple[FleetLimits, FleetLimits]) -> None:
    a, b = two_workers
    await a.admit("s1")
    await b.admit("s2")
    with pytest.raises(VoiceError) as err:
        await b.admit("s3")
    assert err.value.code is ErrorCode.SESSION_LIMIT_EXCEEDED


async def test_a_released_slot_is_free_for_another_worker(
    two_workers: tuple[FleetLimits, FleetLimits],
) -> None:
    a, b = two_workers
    await a.admit("s1")
    await a.admit("s2")
    await a.release("s1")
    await b.admit("s3")
    assert b.mine == {"s3"}


async def test_the_slots_of_a_dead_worker_lapse_and_renewed_ones_stay(
    two_workers: tuple[FleetLimits, FleetLimits],
) -> None:
    a, b = two_workers
    await a.admit("dead-1")  # a never renews: it died
    await b.admit("live-1")
    for _ in range(4):
        await asyncio.sleep(0.2)
        await b.renew()
    await b.admit("live-2")  # a's slot lapsed, b's renewed one did not
    with pytest.raises(VoiceError):
        await b.admit("live-3")


async def test_the_connect_rate_is_limited_across_workers(redis_url: str) -> None:
    prefix = f"test-rate-{uuid.uuid4().hex[:6]}"
    a, b = (FleetLimits(redis_url, prefix=prefix, rate=0.5, burst=3) for _ in range(2))
    await a.open()
    await b.open()
    try:
        await a.admit("c1")
        await b.admit("c2")
        await a.admit("c3")
        with pytest.raises(VoiceError) as err:
            await b.admit("c4")
        assert err.value.code is ErrorCode.RATE_LIMIT_EXCEEDED and err.value.retriable
    finally:
        await a.close()
        await b.close()
