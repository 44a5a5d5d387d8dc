"""Graceful shutdown of `voicegraph serve`: SIGTERM lets the turn in flight finish, refuses
new clients, persists, then stops; a second signal forces the stop."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path

import httpx
import pytest

from voicegraph.backends.session import Session, SessionState
from voicegraph.backends.stores.store_factory import create_store

from .server_process import ServerProcess, serve_config
from .support import WSClient

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def _until_transcript(client: WSClient) -> None:
    async with asyncio.timeout(5):
        while json.loads(await client.ws.recv()).get("type") != "transcript":
            pass


async def _active(tmp: Path) -> dict[str, Session]:
    store = create_store(f"sqlite:///{tmp / 'sessions.db'}")
    try:
        return {s.id: s for s in await store.list(SessionState.ACTIVE)}
    finally:
        await store.close()


async def test_sigterm_lets_the_turn_in_flight_finish_then_stops(tmp_path: Path) -> None:
    server = ServerProcess(serve_config(tmp_path, reply_delay_s=1.5), tmp_path)
    try:
        ready = await server.next_event("ready")
        client = await WSClient.open(ready["transport"]["url"])
        await client.say("finish this")
        await _until_transcript(client)
        server.signal(signal.SIGTERM)
        await asyncio.sleep(0.2)
        late = await WSClient.open(ready["transport"]["url"])
        async with httpx.AsyncClient() as http:
            health = await http.get(ready["health"])
        reply = await client.reply(timeout=10)
        assert reply.endswith("finish this (turn 1)")
        assert late.started["code"] == "session_limit_exceeded"
        assert health.status_code == 503 and health.json()["status"] == "unhealthy"
        stopped = await server.next_event("stopped")
        assert stopped["forced"] is False
        assert await server.exit_code() == 0
        kept = (await _active(tmp_path))[client.session_id]
        assert kept.position["turns"] == 1 and kept.position["in_flight"] is False
    finally:
        server.stop()


async def test_a_second_signal_forces_the_stop_without_waiting_for_the_turn(tmp_path: Path) -> None:
    server = ServerProcess(serve_config(tmp_path, reply_delay_s=20.0), tmp_path)
    try:
        ready = await server.next_event("ready")
        client = await WSClient.open(ready["transport"]["url"])
        await client.say("never answered")
        await _until_transcript(client)
        server.signal(signal.SIGTERM)
        await asyncio.sleep(0.3)
        t0 = time.monotonic()
        server.signal(signal.SIGTERM)
        assert (await server.next_event("stopped"))["forced"] is True
        assert await server.exit_code() == 0
        assert time.monotonic() - t0 < 5.0
        kept = (await _active(tmp_path))[client.session_id]
        assert kept.position == {"turns": 0, "in_flight": True, "last_stage": "stt"}
    finally:
        server.stop()


async def test_a_caller_who_hangs_up_mid_turn_does_not_hold_the_stop(tmp_path: Path) -> None:
    config = serve_config(tmp_path, reply_delay_s=20.0, limits={"shutdown_timeout_s": 30})
    server = ServerProcess(config, tmp_path)
    try:
        ready = await server.next_event("ready")
        client = await WSClient.open(ready["transport"]["url"])
        await client.say("hanging up before the answer")
        await _until_transcript(client)
        server.signal(signal.SIGTERM)
        await asyncio.sleep(0.3)
        t0 = time.monotonic()
        await client.close()  # the session ends with its turn: nothing is left to wait for
        stopped = await server.next_event("stopped")
        assert stopped["forced"] is False
        assert await server.exit_code() == 0
        assert time.monotonic() - t0 < 10.0, "the stop waited for a turn whose session had ended"
    finally:
        server.stop()
