"""Cost of the async admission path of the in-process rate limiter (issue 17).

    python -m benchmarks.rate_limiter            # ~5 s
    python -m benchmarks.rate_limiter --redis-url redis://127.0.0.1:6379/0   # + the Redis one

Session admission awaits `RateLimiter.acquire("connect:<client>")` so that a limiter in
Redis fits the same interface; the in-process `acquire` never suspends. This prints the
time per call of `check` (synchronous), of `await acquire` (in-process) and, with a
Redis URL, of `await RedisRateLimiter.acquire` (one round trip), as JSON: the best and
the median of `--repeats` interleaved runs of `--calls` calls each (the best is the
figure least disturbed by other load), over distinct keys (a fresh bucket every 1000
calls, so buckets neither run dry nor all hit one key).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from voicegraph.backends.rate_limiter import RateLimiter


def per_call_sync(calls: int) -> float:
    limiter = RateLimiter(rate=1e9, burst=1e9)
    t0 = time.perf_counter()
    for i in range(calls):
        limiter.check(f"connect:{i // 1000}")
    return (time.perf_counter() - t0) / calls


async def per_call_async(limiter: RateLimiter, calls: int) -> float:
    t0 = time.perf_counter()
    for i in range(calls):
        await limiter.acquire(f"connect:{i // 1000}")
    return (time.perf_counter() - t0) / calls


async def run(calls: int, repeats: int, redis_url: str) -> dict[str, float | int | str]:
    sync: list[float] = []
    local: list[float] = []
    for _ in range(repeats):  # interleaved, so both see the same machine load
        sync.append(per_call_sync(calls))
        local.append(await per_call_async(RateLimiter(rate=1e9, burst=1e9), calls))
    out: dict[str, float | int | str] = {
        "calls": calls, "repeats": repeats,
        "check_ns": round(min(sync) * 1e9, 1), "acquire_ns": round(min(local) * 1e9, 1),
        "check_median_ns": round(statistics.median(sync) * 1e9, 1),
        "acquire_median_ns": round(statistics.median(local) * 1e9, 1),
    }  # fmt: skip
    out["acquire_extra_ns"] = round(float(out["acquire_ns"]) - float(out["check_ns"]), 1)
    if redis_url:
        from voicegraph.backends.providers.livekit_worker.redis_rate_limiter import RedisRateLimiter

        shared = RedisRateLimiter(redis_url, prefix=f"bench-{time.time_ns()}", rate=1e9, burst=1e9)
        try:
            out["redis_acquire_us"] = round(await per_call_async(shared, min(calls, 2000)) * 1e6, 1)
        finally:
            await shared.close()
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--calls", type=int, default=200_000)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--redis-url", default="")
    args = p.parse_args()
    print(json.dumps(asyncio.run(run(args.calls, args.repeats, args.redis_url))))


if __name__ == "__main__":
    main()
