"""End to end, Pipecat's protocol: `voicegraph serve` (provider `pipecat`: protobuf frames
with RTVI inside) takes seeded bad frames on several connections while a Pipecat client
runs its turns beside them. The server keeps serving, the good client never notices,
and the log has coded lines and no traceback.
"""

from __future__ import annotations

import asyncio
import random
import re
import signal
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.backends.pipecat_ws_client import PipecatWSClient
from tests.backends.server_process import ServerProcess, serve_config

from .wire_fuzz import bad_pipecat

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120)]

CODED_LINE = re.compile(r"\[(protocol_error|invalid_input|not_negotiated)\]")


async def fuzz_connection(url: str, seed: int) -> int | None:
    """One connection of bad frames; the close code (None: still open when done)."""
    rng = random.Random(seed)
    async with connect(url, open_timeout=5, max_size=None) as ws:
        try:
            for _ in range(12):
                await ws.send(bad_pipecat(rng))
            async with asyncio.timeout(2):
                async for _ in ws:
                    pass
        except (ConnectionClosed, TimeoutError):
            pass
        return ws.close_code


async def good_session(url: str, turns: int) -> list[str]:
    client = await PipecatWSClient.open(url)
    replies = []
    for n in range(turns):
        await client.say(f"hello number {n}")
        replies.append(await client.reply(timeout=20))
    await client.close()
    return replies


async def test_bad_pipecat_frames_leave_the_server_and_a_good_client_untouched(tmp_path: Path) -> None:
    config = serve_config(tmp_path, store_url="memory://")
    config["backend"] = {"provider": "pipecat", "options": {"host": "127.0.0.1", "port": 0}}
    server = ServerProcess(config, tmp_path)
    try:
        url = (await server.next_event("ready"))["transport"]["url"]
        good = asyncio.ensure_future(good_session(url, turns=4))
        codes = await asyncio.gather(*(fuzz_connection(url, seed) for seed in range(8)))
        replies = await good
        after = await good_session(url, turns=1)
        server.signal(signal.SIGTERM)
        assert await server.exit_code() == 0
    finally:
        server.stop()
    log = "".join(server.stderr)
    assert [r.rsplit("(", 1)[1] for r in replies] == [f"turn {n + 1})" for n in range(4)]
    assert after[0].endswith("(turn 1)")
    assert all(code is None or code >= 4000 for code in codes), codes
    assert "Traceback" not in log, log[-3000:]
    assert len(CODED_LINE.findall(log)) >= 8, log[-3000:]
    assert re.search(r"rtvi: bad \S+ request: \[invalid_input\]", log), log[-3000:]
