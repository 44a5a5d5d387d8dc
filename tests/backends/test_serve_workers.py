"""`voicegraph serve --workers 2`: two processes share one port and both serve sessions."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest

from .server_process import ServerProcess, serve_config
from .support import WSClient

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_two_workers_share_the_port_and_serve_every_client(tmp_path: Path) -> None:
    server = ServerProcess(serve_config(tmp_path), tmp_path, workers=2)
    try:
        ready = [await server.next_event("ready"), await server.next_event("ready")]
        assert ready[0]["pid"] != ready[1]["pid"]
        assert ready[0]["transport"]["url"] == ready[1]["transport"]["url"]
        url = ready[0]["transport"]["url"]
        for i in range(6):
            client = await WSClient.open(url)
            await client.say(f"client {i}")
            assert (await client.reply()).endswith(f"client {i} (turn 1)")
            await client.close()
        async with httpx.AsyncClient() as http:
            assert (await http.get(ready[0]["health"])).status_code == 200
        server.signal(signal.SIGTERM)
        assert await server.exit_code() == 0
        stopped = [await server.next_event("stopped"), await server.next_event("stopped")]
        assert {s["pid"] for s in stopped} == {r["pid"] for r in ready}
    finally:
        server.stop()
