"""kill -9 during calls, restart: active sessions are recovered and clients resume by id,
with their conversation (SQLite by default, and a real Redis)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from voicegraph.backends.session import SessionState
from voicegraph.backends.stores.store_factory import create_store

from .server_process import ServerProcess, serve_config
from .support import WSClient

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def _persisted(store_url: str, ids: list[str]) -> None:
    """Wait until every session's first turn is in the store (written at turn end)."""
    store = create_store(store_url)
    try:
        async with asyncio.timeout(5):
            while True:
                active = {s.id: str(s.conversation) for s in await store.list(SessionState.ACTIVE)}
                if all(f"word{i}" in active.get(sid, "") for i, sid in enumerate(ids)):
                    return
                await asyncio.sleep(0.02)
    finally:
        await store.close()


async def _crash_and_resume(tmp: Path, store_url: str, env: dict[str, str] | None = None) -> None:
    config = serve_config(tmp, store_url=store_url)
    if store_url.startswith("redis"):
        config["persistence"] = {"url": "memory://", "url_env": "VG_TEST_STORE_URL"}
        env = {"VG_TEST_STORE_URL": store_url}
    first = ServerProcess(config, tmp, env=env)
    try:
        url = (await first.next_event("ready"))["transport"]["url"]
        clients = [await WSClient.open(url) for _ in range(3)]
        for i, c in enumerate(clients):
            await c.say(f"remember word{i}")
            assert (await c.reply()).endswith("(turn 1)")
        ids = [c.session_id for c in clients]
        await _persisted(store_url, ids)
        first.kill9()
    finally:
        first.stop()

    second = ServerProcess(config, tmp, env=env)
    try:
        ready = await second.next_event("ready")
        assert set(ids) <= set(ready["recovered"])
        url = ready["transport"]["url"]
        for i, sid in enumerate(ids):
            again = await WSClient.open(url, resume=sid)
            assert again.started["type"] == "started" and again.session_id == sid
            await again.say(f"and word{i}b")
            assert (await again.reply()).endswith(f"word{i}b (turn 2)")
            await again.close()
    finally:
        second.signal()
        await second.exit_code()
        second.stop()


async def test_sessions_survive_a_kill_9_in_sqlite_and_resume_by_id(tmp_path: Path) -> None:
    await _crash_and_resume(tmp_path, f"sqlite:///{tmp_path / 'sessions.db'}")


async def test_sessions_survive_a_kill_9_in_redis_and_resume_by_id(tmp_path: Path, redis_url: str) -> None:
    await _crash_and_resume(tmp_path, redis_url)


async def test_an_unknown_resume_id_gets_session_not_found(tmp_path: Path) -> None:
    server = ServerProcess(serve_config(tmp_path), tmp_path)
    try:
        url = (await server.next_event("ready"))["transport"]["url"]
        client = await WSClient.open(url, resume="no-such-session-id")
        assert client.started == {
            "type": "error",
            "code": "session_not_found",
            "message": "no session to resume",
        }
        await asyncio.sleep(0)
    finally:
        server.signal()
        await server.exit_code()
        server.stop()
