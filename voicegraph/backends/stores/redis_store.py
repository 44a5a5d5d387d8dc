"""RedisSessionStore: session records in Redis, shared by every process of a backend."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from voicegraph.backends.session import Session, SessionState
from voicegraph.backends.stores.base import SessionStore, expired
from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency

if TYPE_CHECKING:
    import builtins


class RedisSessionStore(SessionStore):
    """Session records as JSON strings in Redis (`redis` asyncio client).

    Keys: `<prefix>:s:<id>` holds a record; the sets `<prefix>:state:active` and
    `<prefix>:state:completed` index ids by state; `<prefix>:token:<token>` maps a resume
    token to its session id. A kept completed record gets a Redis TTL from its
    `expires_at`, so Redis itself forgets it. Durability is Redis's (`appendonly yes`
    for a crash of Redis itself; a crash of the backend loses nothing already saved).

    Args:
        url: `redis://host:port/db` (a password belongs in the URL taken from the env).
        prefix: key prefix, so several backends may share one Redis.
    """

    name = "redis"

    def __init__(self, url: str, *, prefix: str = "voicegraph") -> None:
        self.url = url
        self.prefix = prefix
        self._r: Any = None

    async def open(self) -> None:
        if self._r is not None:
            return
        try:
            import redis.asyncio as aioredis
        except ImportError:
            raise missing_dependency("redis", "redis") from None
        self._r = aioredis.from_url(
            self.url, decode_responses=True, socket_timeout=5, socket_connect_timeout=5
        )

    async def close(self) -> None:
        r, self._r = self._r, None
        if r is not None:
            await r.aclose()

    def _k(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    async def _client(self) -> Any:
        if self._r is None:
            await self.open()
        return self._r

    async def _call(self, fn: Any, *args: Any) -> Any:
        from redis.exceptions import RedisError

        try:
            return await fn(*args)
        except RedisError as exc:
            raise VoiceError(
                ErrorCode.CONNECTION_FAILED, f"redis session store: {exc}", retriable=True
            ) from exc

    async def save(self, session: Session) -> None:
        if session.expires_at is not None and session.expires_at <= time.time():
            await self.delete(session.id)
            return
        r = await self._client()
        other = SessionState.COMPLETED if session.state is SessionState.ACTIVE else SessionState.ACTIVE
        ttl = None
        if session.expires_at is not None:  # Redis forgets the record itself
            ttl = max(1, int(session.expires_at - time.time() + 0.999))
        pipe = r.pipeline(transaction=True)
        pipe.set(self._k("s", session.id), json.dumps(session.to_record(), separators=(",", ":")), ex=ttl)
        pipe.srem(self._k("state", str(other)), session.id)
        pipe.sadd(self._k("state", str(session.state)), session.id)
        if session.resume_token:
            token_key = self._k("token", session.resume_token)
            pipe.set(token_key, session.id, ex=ttl)
        await self._call(pipe.execute)

    async def load(self, session_id: str) -> Session | None:
        r = await self._client()
        raw = await self._call(r.get, self._k("s", session_id))
        found = Session.from_record(json.loads(raw)) if raw else None
        return None if found is None or expired(found, time.time()) else found

    async def find_by_token(self, token: str) -> Session | None:
        if not token:
            return None
        r = await self._client()
        sid = await self._call(r.get, self._k("token", token))
        found = await self.load(sid) if sid else None
        return found if found is not None and found.state is SessionState.ACTIVE else None

    async def delete(self, session_id: str) -> None:
        r = await self._client()
        s = await self.load(session_id)
        pipe = r.pipeline(transaction=True)
        pipe.delete(self._k("s", session_id))
        for state in SessionState:
            pipe.srem(self._k("state", str(state)), session_id)
        if s is not None and s.resume_token:
            pipe.delete(self._k("token", s.resume_token))
        await self._call(pipe.execute)

    async def list(self, state: SessionState | None = None) -> list[Session]:
        out: list[Session] = []
        now = time.time()
        for st in [state] if state is not None else list(SessionState):
            found, _ = await self._scan(st)
            out.extend(s for s in found if not expired(s, now))
        return out

    async def _scan(self, state: SessionState) -> tuple[builtins.list[Session], int]:
        """Records indexed under `state`; ids whose record expired are dropped from the index."""
        r = await self._client()
        ids = sorted(await self._call(r.smembers, self._k("state", str(state))))
        if not ids:
            return [], 0
        raws = await self._call(r.mget, [self._k("s", i) for i in ids])
        gone = [i for i, raw in zip(ids, raws, strict=True) if raw is None]
        if gone:
            await self._call(r.srem, self._k("state", str(state)), *gone)
        return [Session.from_record(json.loads(raw)) for raw in raws if raw], len(gone)

    async def purge_expired(self, now: float | None = None) -> int:
        _, gone = await self._scan(SessionState.COMPLETED)
        return gone

    async def ping(self) -> None:
        r = await self._client()
        await self._call(r.ping)
