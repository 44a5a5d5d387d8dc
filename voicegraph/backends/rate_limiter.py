"""RateLimiter: token buckets per key (client, principal, session) that refuse with a code."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass(slots=True)
class TokenBucket:
    """One bucket: `tokens` refill at `rate` per second up to `burst`."""

    rate: float
    burst: float
    tokens: float
    stamp: float

    def take(self, now: float, cost: float) -> float:
        """Take `cost` tokens; returns 0 on success, else the seconds until they are there."""
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= cost:
            self.tokens -= cost
            return 0.0
        return (cost - self.tokens) / self.rate if self.rate > 0 else float("inf")


class RateLimiter:
    """Token bucket per key: `check(key)` / `await acquire(key)` pass or raise rate_limit_exceeded.

    Two paths, one bucket per key. `acquire` is the async one: session admission awaits
    `acquire("connect:<client>")`, so a limiter whose buckets live elsewhere (Redis,
    shared by every process of a fleet: `RedisRateLimiter` of the `livekit_worker`
    provider) is a subclass that overrides `acquire` alone. Here `acquire` does no I/O and
    never suspends: it is `check` in a coroutine (~0.1-0.15 us more per connect, see
    benchmarks/rate_limiter.py). `check` is the synchronous one, for the checks of a
    running session (`op:<session id>` before each client operation: text, DTMF,
    metadata update), whose bucket belongs to the one process that runs the session.
    I/O-free here (a dict lookup and a few float operations per call). At most
    `max_keys` buckets are kept (least recently used go first; a forgotten bucket comes
    back full, which only ever errs on the side of letting a client in).

    Args:
        rate: tokens refilled per second.
        burst: bucket size (requests allowed back to back).
        max_keys: most buckets kept.
        clock: seconds, monotonic (injectable for tests).
    """

    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate < 0 or burst < 1:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "rate limiter needs rate >= 0 and burst >= 1")
        self.rate, self.burst = rate, burst
        self._max = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()
        self.refused = 0

    def check(self, key: str, cost: float = 1.0) -> None:
        """Spend `cost` tokens of `key`'s bucket.

        Raises:
            VoiceError: (rate_limit_exceeded, retriable) the bucket is empty; the message
                says when to retry.
        """
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = TokenBucket(self.rate, self.burst, self.burst, now)
            self._buckets[key] = bucket
            if len(self._buckets) > self._max:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        wait = bucket.take(now, cost)
        if wait > 0:
            self.refused += 1
            raise VoiceError(
                ErrorCode.RATE_LIMIT_EXCEEDED, f"rate limit exceeded; retry in {wait:.2f}s", retriable=True
            )

    async def acquire(self, key: str, cost: float = 1.0) -> None:
        """Spend `cost` tokens of `key`'s bucket: the path session admission awaits.

        Never suspends here (no I/O); subclasses with shared buckets await their store.

        Raises:
            VoiceError: (rate_limit_exceeded, retriable) the bucket is empty.
        """
        self.check(key, cost)

    def forget(self, key: str) -> None:
        """Drop `key`'s bucket (e.g. when its session ends)."""
        self._buckets.pop(key, None)

    def __len__(self) -> int:
        return len(self._buckets)
