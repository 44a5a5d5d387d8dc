"""vocode's own WebSocketUserImplementedAgent (vocode 0.1.113, separate venv) is answered by
a voicegraph agent graph behind a cold `voicegraph serve` (provider `vocode`, route /agent)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets

from tests.serving.serve_process import ServeProcess, free_port

from .vocode_env import run_client

pytestmark = [pytest.mark.serving, pytest.mark.slow, pytest.mark.timeout(300)]
CONFIG = Path(__file__).with_name("configs") / "vocode_agent_endpoint.yaml"


@pytest.fixture(scope="module")
def agent_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    server = ServeProcess(CONFIG, tmp_path_factory.mktemp("vocode-agent"), port=port).start()
    try:
        server.ready(60)
        yield f"ws://127.0.0.1:{port}/agent"
    finally:
        server.stop()
    assert server.exited_cleanly, server.tail()


def test_vocode_websocket_agent_gets_each_reply_from_the_graph(agent_url: str) -> None:
    result = run_client("agent_client.py", agent_url, "hello there", "what time is it")
    assert result["replies"] == [
        "You said: hello there (turn 1)",
        "You said: what time is it (turn 2)",
    ], result


async def _bad_then_good(url: str) -> list[dict[str, object]]:
    async with websockets.connect(url) as ws:
        await ws.send("not json")
        await ws.send(json.dumps({"type": "websocket_agent_bogus"}))
        await ws.send(json.dumps({"type": "websocket_agent_text", "data": {"text": "still here"}}))
        async with asyncio.timeout(10):
            return [json.loads(await ws.recv())]


def test_bad_agent_messages_are_skipped_and_the_socket_goes_on(agent_url: str) -> None:
    # vocode's agent drops its socket on a frame it cannot parse, so no error goes in-band:
    # the next reply is the first frame the client sees.
    replies = asyncio.run(_bad_then_good(agent_url))
    assert replies == [{"type": "websocket_agent_text", "data": {"text": "You said: still here (turn 1)"}}]


def test_a_whole_vocode_streaming_conversation_speaks_the_graphs_replies(agent_url: str) -> None:
    # vocode's StreamingConversation with its WebSocketUserImplementedAgent; local stand-ins
    # for its cloud transcriber and synthesizer (vocode_client/streaming_conversation_client.py)
    result = run_client("streaming_conversation_client.py", agent_url, "hello there", "what time is it")
    assert result["bot"] == [
        "You said: hello there (turn 1)",
        "You said: what time is it (turn 2)",
    ], result
    assert result["audio_s"] > 0, result
