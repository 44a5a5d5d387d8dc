"""RedisSessionStore against a real redis-server behind the TCP fault proxy: coded errors, then recovery."""

from __future__ import annotations

import contextlib
import urllib.parse
from collections.abc import AsyncIterator, Awaitable

import anyio
import pytest

from voicegraph.backends.session import Session
from voicegraph.backends.stores.redis_store import RedisSessionStore
from voicegraph.framework import ErrorCode, VoiceError
from voicegraph.testing import Fault, FaultProxy, FaultSchedule

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]

# The store's socket timeout is 5 s: a stalled reply must fail by then, with a margin.
OP_BOUND_S = 7.0


@contextlib.asynccontextmanager
async def proxied_store(
    redis_url: str, schedule: FaultSchedule
) -> AsyncIterator[tuple[RedisSessionStore, FaultProxy]]:
    port = urllib.parse.urlsplit(redis_url).port
    assert port is not None
    async with FaultProxy(port, schedule=schedule) as proxy:
        store = RedisSessionStore(f"redis://127.0.0.1:{proxy.port}/0", prefix=f"faults{id(schedule)}")
        try:
            yield store, proxy
        finally:
            with anyio.move_on_after(OP_BOUND_S, shield=True):
                await store.close()


async def coded(op: Awaitable[object]) -> ErrorCode | None:
    """Await `op`; None when it succeeded, its code when it failed with a VoiceError (bounded)."""
    try:
        with anyio.fail_after(OP_BOUND_S):
            await op
    except VoiceError as err:
        return err.code
    return None


async def test_a_cut_reply_is_connection_failed_and_the_next_call_reconnects(redis_url: str) -> None:
    async with proxied_store(redis_url, FaultSchedule()) as (store, proxy):
        await store.ping()
        proxy.schedule.inject_next("chunk<", Fault.DROP)
        assert await coded(store.save(Session(id="s1"))) is ErrorCode.CONNECTION_FAILED
        assert await coded(store.save(Session(id="s1"))) is None
        found = await store.load("s1")
    assert found is not None and found.id == "s1" and proxy.accepted == 2


async def test_a_truncated_reply_is_a_coded_error(redis_url: str) -> None:
    async with proxied_store(redis_url, FaultSchedule()) as (store, proxy):
        await store.save(Session(id="s2"))
        proxy.schedule.inject_next("chunk<", Fault.TRUNCATE)
        assert await coded(store.load("s2")) is ErrorCode.CONNECTION_FAILED
        assert (await store.load("s2")) is not None


async def test_a_stalled_reply_fails_within_the_socket_timeout(redis_url: str) -> None:
    async with proxied_store(redis_url, FaultSchedule(stall_s=30.0)) as (store, proxy):
        await store.ping()
        proxy.schedule.inject_next("chunk<", Fault.STALL)
        assert await coded(store.load("nobody")) is ErrorCode.CONNECTION_FAILED
        assert await coded(store.ping()) is None


async def test_a_refused_connect_is_connection_failed(redis_url: str) -> None:
    async with proxied_store(redis_url, FaultSchedule()) as (store, proxy):
        proxy.schedule.inject_next("connect", Fault.REFUSE)
        assert await coded(store.ping()) is ErrorCode.CONNECTION_FAILED
        assert await coded(store.ping()) is None


async def test_five_percent_random_faults_give_only_coded_errors_and_no_lost_save(redis_url: str) -> None:
    schedule = FaultSchedule.uniform(
        0.05,
        {"chunk": (Fault.DROP, Fault.TRUNCATE, Fault.DELAY), "connect": (Fault.REFUSE,)},
        seed=18,
        delay_s=0.05,
    )
    codes: list[ErrorCode | None] = []
    async with proxied_store(redis_url, schedule) as (store, proxy):
        for i in range(60):
            codes.append(await coded(store.save(Session(id=f"r{i}", metadata={"i": i}))))
        saved = {f"r{i}" for i, c in enumerate(codes) if c is None}
        proxy.schedule = FaultSchedule()  # read back without faults
        stored = {s.id for s in await store.list()}
    assert set(codes) <= {None, ErrorCode.CONNECTION_FAILED}
    assert saved <= stored and len(saved) >= 45
    assert schedule.total_injected > 0
