"""Switching provider is configuration only: one config and graph spec, served in process
(memory), over WebSocket and to a Pipecat WebSocket client (`pipecat`), answers the same."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from voicegraph.backends.config import load_config
from voicegraph.backends.from_config import build_served
from voicegraph.framework.frames import TranscriptFrame

from .pipecat_ws_client import PipecatWSClient
from .server_process import serve_config
from .support import WSClient, read_reply

pytestmark = pytest.mark.anyio


def _config(tmp: Path, provider: str) -> dict[str, object]:
    config = copy.deepcopy(serve_config(tmp, store_url="memory://"))
    options = {"port": 0} if provider in ("websocket", "pipecat") else {}
    config["backend"] = {"provider": provider, "options": options}
    config["health"] = {"enabled": False}
    return config


async def test_the_same_spec_answers_alike_in_memory_over_websocket_and_to_pipecat(tmp_path: Path) -> None:
    replies = {}
    served = build_served(load_config(_config(tmp_path, "memory"), env={}))
    await served.start()
    try:
        client = await served.backend.transport.connect()
        await client.send_frame(TranscriptFrame(text="same words"))
        replies["memory"], _ = await read_reply(client)
        await client.end()
    finally:
        await served.stop(5)
    served = build_served(load_config(_config(tmp_path, "websocket"), env={}))
    await served.start()
    try:
        ws = await WSClient.open(served.backend.transport.url)
        await ws.say("same words")
        replies["websocket"] = await ws.reply()
        await ws.close()
    finally:
        await served.stop(5)
    served = build_served(load_config(_config(tmp_path, "pipecat"), env={}))
    await served.start()
    try:
        pipecat = await PipecatWSClient.open(served.backend.transport.url)
        await pipecat.say("same words")
        replies["pipecat"] = await pipecat.reply()
        await pipecat.close()
    finally:
        await served.stop(5)
    assert replies["memory"] == replies["websocket"] == replies["pipecat"] == "You said: same words (turn 1)"


def test_each_provider_declares_its_capabilities() -> None:
    from voicegraph.backends.providers import provider

    caps = {name: provider(name).capabilities for name in ("memory", "websocket", "twilio")}
    assert caps["twilio"].codecs == ("mulaw",)
    assert all(c.multi_user and c.persistence and c.custom_auth for c in caps.values())
    assert caps["memory"].min_latency_ms < caps["websocket"].min_latency_ms


async def test_the_same_spec_answers_alike_over_vocodes_agent_route(tmp_path: Path) -> None:
    import json

    import websockets

    from voicegraph.backends.providers import register_builtin

    register_builtin()  # the venv's entry points may predate the vocode provider
    config = _config(tmp_path, "vocode")
    config["backend"] = {"provider": "vocode", "options": {"port": 0}}
    served = build_served(load_config(config, env={}))
    await served.start()
    try:
        async with websockets.connect(served.backend.transport.url + "/agent") as ws:
            await ws.send(json.dumps({"type": "websocket_agent_text", "data": {"text": "same words"}}))
            reply = json.loads(await ws.recv())["data"]["text"]
    finally:
        await served.stop(5)
    assert reply == "You said: same words (turn 1)"
