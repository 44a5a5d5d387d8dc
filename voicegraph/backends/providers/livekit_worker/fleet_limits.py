"""FleetLimits: a session limit and a connect rate limit shared by every worker, in Redis."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from voicegraph.backends.providers.livekit_worker.redis_rate_limiter import RedisRateLimiter
from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency

log = logging.getLogger("voicegraph.livekit_worker")

# KEYS[1] the slot set; ARGV: now, stale-before, limit, member. Drops slots not renewed in
# time (their worker died), then takes one if the fleet is under its limit.
_TAKE_SLOT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZSCORE', KEYS[1], ARGV[4]) then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4]) return 1 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4]) return 1
"""


class FleetLimits:
    """Session slots and a connect token bucket that every worker of a fleet shares.

    Handles `admit(session_id)` before a session is admitted by the worker's own
    manager: refuses with session_limit_exceeded when `max_sessions` sessions run in
    the whole fleet, or rate_limit_exceeded when connects come faster than `rate` per
    second (burst `burst`) fleet-wide (a `RedisRateLimiter` bucket `connects`, the limiter
    session admission also awaits for its per-client keys); both checks are one Lua
    script each, atomic in Redis. A slot is a member of a sorted set scored with the time its worker last
    renewed it (`renew`, every heartbeat), so the slots of a dead worker lapse after
    `stale_s` instead of leaking. `release` frees a slot when its session ends.
    Latency: one or two Redis round trips per new session (~0.2 ms on loopback).

    Args:
        url: redis://host:port/db.
        prefix: key prefix of the fleet.
        max_sessions: sessions at once, fleet-wide (0: no limit).
        rate: connects per second, fleet-wide (0: no limit).
        burst: connects allowed back to back.
        stale_s: a slot not renewed for this long is free again.
    """

    def __init__(
        self, url: str, *, prefix: str, max_sessions: int = 0, rate: float = 0.0, burst: float = 1.0,
        stale_s: float = 3.0,
    ) -> None:  # fmt: skip
        self.url, self.prefix = url, prefix
        self.max_sessions, self.rate, self.burst, self.stale_s = max_sessions, rate, burst, stale_s
        self.mine: set[str] = set()
        """Slots this worker holds."""
        self.connects = RedisRateLimiter(url, prefix=prefix, rate=rate, burst=burst) if rate > 0 else None
        """The fleet's connect bucket (None: no fleet rate limit)."""
        self._r: Any = None

    async def open(self) -> None:
        """Connect (no I/O yet)."""
        try:
            import redis.asyncio as aioredis
        except ImportError:
            raise missing_dependency("redis", "redis") from None
        self._r = aioredis.from_url(self.url, socket_timeout=5, socket_connect_timeout=5)

    async def close(self) -> None:
        """Free this worker's slots and disconnect."""
        r, self._r = self._r, None
        if r is not None:
            if self.mine:
                await r.zrem(f"{self.prefix}:slots", *self.mine)
            await r.aclose()
        if self.connects is not None:
            await self.connects.close()

    async def admit(self, session_id: str) -> None:
        """Take a fleet slot and a connect token for `session_id`.

        Raises:
            VoiceError: session_limit_exceeded or rate_limit_exceeded (retriable),
                connection_failed (Redis does not answer).
        """
        now = time.time()
        if self.connects is not None:
            await self.connects.acquire("connects")
        if self.max_sessions > 0:
            args = (now, now - self.stale_s, self.max_sessions, session_id)
            if not int(await self._r.eval(_TAKE_SLOT, 1, f"{self.prefix}:slots", *args)):
                msg = f"fleet at capacity ({self.max_sessions} sessions)"
                raise VoiceError(ErrorCode.SESSION_LIMIT_EXCEEDED, msg, retriable=True)
            self.mine.add(session_id)

    async def release(self, session_id: str) -> None:
        """Free `session_id`'s slot."""
        if session_id in self.mine:
            self.mine.discard(session_id)
            await self._r.zrem(f"{self.prefix}:slots", session_id)

    async def renew(self) -> None:
        """Mark this worker's slots as still in use (call every heartbeat)."""
        if self.mine and self._r is not None:
            await self._r.zadd(f"{self.prefix}:slots", dict.fromkeys(self.mine, time.time()), xx=True)

    async def keep(self, period_s: float) -> None:
        """Renew this worker's slots every `period_s` until cancelled."""
        while True:
            with contextlib.suppress(Exception):  # Redis away for a moment: next beat
                await self.renew()
            await asyncio.sleep(period_s)
