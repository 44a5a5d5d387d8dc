"""End to end: `voicegraph serve` started cold (WebSocket provider, echo agent) on 127.0.0.1
takes seeded bad messages on several WebSocket connections and junk HTTP requests, while a
well-behaved session beside them runs its turns. The server keeps serving, the good
session never notices, and the server log has a coded line per bad input, no traceback.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import signal
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.backends.server_process import ServerProcess, serve_config
from tests.backends.support import WSClient

from .wire_fuzz import GOOD_START, bad_message, bad_start

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120)]

FUZZ_CONNECTIONS = 12
MAX_BAD = 10  # the WebSocket provider's default max_bad_messages
CODED_LINE = re.compile(r"\[(protocol_error|invalid_input|not_negotiated)\]")


async def fuzz_connection(url: str, seed: int) -> tuple[int, int | None]:
    """One connection of bad traffic; (coded error replies received, close code)."""
    rng = random.Random(seed)
    errors = 0
    async with connect(url, open_timeout=5, max_size=None) as ws:
        first = bad_start(rng) if seed % 3 == 0 else json.dumps(GOOD_START)
        try:
            await ws.send(first)
            for _ in range(MAX_BAD + 2):
                await ws.send(bad_message(rng))
            while True:
                reply = await asyncio.wait_for(ws.recv(), 10)
                if isinstance(reply, str) and json.loads(reply).get("type") == "error":
                    errors += 1
        except ConnectionClosed:
            pass
        return errors, ws.close_code


async def oversize(url: str) -> int | None:
    """A message over the server's 64 KiB limit after a valid start: the close code."""
    async with connect(url, open_timeout=5, max_size=None) as ws:
        await ws.send(json.dumps(GOOD_START))
        await ws.recv()
        try:
            await ws.send(bytes(100_000))
            async with asyncio.timeout(10):
                async for _ in ws:
                    pass
        except ConnectionClosed:
            pass
        return ws.close_code


async def junk_http(base: str, rng: random.Random) -> list[int]:
    """Requests the WebSocket and health ports must refuse: GETs of unknown paths get a
    4xx status; a POST a 4xx or a clean close (websockets takes GET only), counted as 400."""
    statuses = []
    async with httpx.AsyncClient(timeout=5) as http:
        for path in ("/", "/stream", "/%00", "/" + "a" * 3000, "/?" + rng.randbytes(32).hex()):
            statuses.append((await http.get(base + path)).status_code)
            try:
                statuses.append((await http.post(base + path, content=rng.randbytes(256))).status_code)
            except httpx.RemoteProtocolError:
                statuses.append(400)
    return statuses


async def good_session(url: str, turns: int) -> list[str]:
    client = await WSClient.open(url)
    replies = []
    for n in range(turns):
        await client.say(f"hello number {n}")
        replies.append(await client.reply(timeout=20))
        await asyncio.sleep(0.05)
    await client.close()
    return replies


async def test_bad_traffic_leaves_the_server_and_a_good_session_untouched(tmp_path: Path) -> None:
    server = ServerProcess(serve_config(tmp_path), tmp_path)
    try:
        ready = await server.next_event("ready")
        url = ready["transport"]["url"]
        good = asyncio.create_task(good_session(url, turns=6))
        results = await asyncio.gather(*(fuzz_connection(url, seed) for seed in range(FUZZ_CONNECTIONS)))
        too_big = await oversize(url)
        statuses = await junk_http(url.replace("ws://", "http://"), random.Random(7))
        statuses += await junk_http(str(ready["health"]).rstrip("/"), random.Random(8))
        replies = await good
        after = await good_session(url, turns=1)  # still serving new sessions
        server.signal(signal.SIGTERM)
        assert await server.exit_code() == 0
    finally:
        server.stop()
    log = "".join(server.stderr)
    assert [r.rsplit("(", 1)[1] for r in replies] == [f"turn {n + 1})" for n in range(6)]
    assert after[0].endswith("(turn 1)")
    assert all(400 <= s < 500 for s in statuses), statuses
    codes = [code for _, code in results]
    assert all(code is not None and code >= 4000 for code in codes), codes
    assert too_big == 1009
    assert "over the size limit; closed 1009" in log
    assert "Traceback" not in log, log[-3000:]
    told = sum(errors for errors, _ in results)
    assert told > 0 and len(CODED_LINE.findall(log)) >= told, (told, log[-3000:])
