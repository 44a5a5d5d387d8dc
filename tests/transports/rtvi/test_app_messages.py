"""RTVI app messages end to end over Pipecat's WebSocket protocol: client-message in, server-response
and server-message out, through a served graph (config-driven `pipecat` backend, loopback)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.backends.pipecat_ws_client import PipecatWSClient
from voicegraph.backends.config import load_config
from voicegraph.backends.from_config import build_served
from voicegraph.backends.providers import register_builtin

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(30)]

CONFIG = {
    "backend": {"provider": "pipecat", "options": {"host": "127.0.0.1", "port": 0}},
    "graph": "tests.transports.rtvi.app_message_graph:build",
    "persistence": {"url": "memory://"},
    "health": {"enabled": False},
}


async def test_a_client_message_reaches_the_graph_and_its_answer_comes_back(tmp_path: Path) -> None:
    register_builtin()
    served = build_served(load_config(CONFIG, env={}))
    await served.start()
    try:
        client = await PipecatWSClient.open(served.backend.transport.url)
        for n, msg_id in ((2, "c1"), (3, "c2")):
            await client.send(
                {"type": "client-message", "id": msg_id, "data": {"t": "count", "d": {"by": n}}}
            )
        first = await client.next_of("server-response")
        message = await client.next_of("server-message")
        second = await client.next_of("server-response")
        await client.send({"type": "client-message", "id": "bad", "data": {"d": 1}})
        error = await client.next_of("error-response")
        await client.close()
    finally:
        await served.stop(5)
    assert (first["id"], first["data"]) == ("c1", {"t": "count", "d": {"count": 2}})
    assert message["data"] == {"event": "counted", "count": 2}
    assert (second["id"], second["data"]["d"]) == ("c2", {"count": 5})
    assert error["id"] == "bad" and error["data"]["error"].startswith("Invalid message")
