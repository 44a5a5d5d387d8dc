"""The admission rate limit in Redis: one bucket per client for every process of a fleet.

Session admission awaits `limiter.acquire("connect:<client>")`; `RedisRateLimiter` keeps
those buckets in a real redis-server, so two backends (two worker processes' managers)
spend from the same one. A `livekit_worker` with a ledger puts the config's limit there.
"""

from __future__ import annotations

import uuid

import pytest

from tests.backends.support import memory_backend
from voicegraph.backends.hooks import ConnectRequest, Hooks
from voicegraph.backends.providers.livekit_worker import LiveKitWorkerProvider
from voicegraph.backends.providers.livekit_worker.redis_rate_limiter import RedisRateLimiter
from voicegraph.backends.rate_limiter import RateLimiter
from voicegraph.backends.session_manager import SessionManager
from voicegraph.backends.stores.memory_store import MemorySessionStore
from voicegraph.framework.errors import ErrorCode, VoiceError

from .cheap_graph import build

pytestmark = pytest.mark.anyio


def shared(redis_url: str, prefix: str) -> RedisRateLimiter:
    return RedisRateLimiter(redis_url, prefix=prefix, rate=0.01, burst=2)


async def test_two_backends_admit_one_client_from_one_shared_bucket(redis_url: str) -> None:
    prefix = f"test-rl-{uuid.uuid4().hex[:6]}"
    a, b = shared(redis_url, prefix), shared(redis_url, prefix)
    try:
        async with (
            memory_backend(hooks=Hooks(rate_limiter=a)) as one,
            memory_backend(hooks=Hooks(rate_limiter=b)) as two,
        ):
            ok = [
                await one.transport.connect(remote="10.0.0.1:5000"),
                await two.transport.connect(remote="10.0.0.1:5001"),
            ]
            with pytest.raises(VoiceError) as err:
                await one.transport.connect(remote="10.0.0.1:5002")
            assert err.value.code is ErrorCode.RATE_LIMIT_EXCEEDED and err.value.retriable
            ok.append(await two.transport.connect(remote="10.0.0.2:5000"))  # another client: its own
            for c in ok:
                await c.end()
    finally:
        await a.close()
        await b.close()


async def test_an_unreachable_redis_refuses_admission_with_a_code() -> None:
    limiter = RedisRateLimiter("redis://127.0.0.1:1/0", prefix="nowhere", rate=1.0, burst=1)
    with pytest.raises(VoiceError) as err:
        await limiter.acquire("connect:10.0.0.1")
    assert err.value.code is ErrorCode.CONNECTION_FAILED
    await limiter.close()


async def test_the_in_process_limiter_acquires_from_the_same_buckets_as_check() -> None:
    limiter = RateLimiter(rate=0.01, burst=2)
    await limiter.acquire("connect:x")
    limiter.check("connect:x")
    with pytest.raises(VoiceError) as err:
        await limiter.acquire("connect:x")
    assert err.value.code is ErrorCode.RATE_LIMIT_EXCEEDED


async def test_workers_with_a_ledger_share_the_configs_connect_limit(redis_url: str) -> None:
    prefix = f"test-rlw-{uuid.uuid4().hex[:6]}"
    options = {"ledger_url": redis_url, "ledger_prefix": prefix, "url": "ws://127.0.0.1:1",
               "api_key": "k", "api_secret": "s" * 32}  # fmt: skip
    managers = [
        SessionManager(build, store=MemorySessionStore(), hooks=Hooks(rate_limiter=RateLimiter(0.01, 2)))
        for _ in range(2)
    ]
    workers = [LiveKitWorkerProvider().create(m, dict(options)) for m in managers]
    request = ConnectRequest(transport="livekit", remote="alice", path="room-1")
    try:
        admitted = [await managers[0].admit(request), await managers[1].admit(request)]
        with pytest.raises(VoiceError) as err:
            await managers[1].admit(request)  # per process it would have a token left
        assert err.value.code is ErrorCode.RATE_LIMIT_EXCEEDED
        for m, adm in zip(managers, admitted, strict=True):
            m.release(adm)
    finally:
        for w in workers:
            if w.shared_limiter is not None:
                await w.shared_limiter.close()
