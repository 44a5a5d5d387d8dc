"""Every other way into a served config with token auth: refused with a code before a session."""

from __future__ import annotations

import asyncio
import json
import urllib.parse
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.backends.server_process import ServerProcess, serve_config
from voicegraph.transports.twilio_signature import twilio_signature

from .conftest import free_port

pytestmark = [pytest.mark.anyio]

TOKEN = "entrance-token-1a2b3c4d5e"
TWILIO_TOKEN = "entrance-twilio-token-99887766"
ENV = {
    "VG_TEST_TOKENS": f"{TOKEN}=alice",
    "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
}


def _served(tmp: Path, backend: dict[str, Any]) -> ServerProcess:
    config = serve_config(tmp, hooks={"auth": {"type": "token", "tokens_env": "VG_TEST_TOKENS"}})
    config["backend"] = backend
    return ServerProcess(config, tmp, env=ENV)


async def _close_code(url: str, first: str | None, headers: dict[str, str] | None = None) -> int | None:
    """Connect, send `first` (if any), read to the close; the close code (None: still open)."""
    async with connect(url, additional_headers=headers or {}, open_timeout=5) as ws:
        if first is not None:
            await ws.send(first)
        try:
            async with asyncio.timeout(3):
                while True:
                    await ws.recv()
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else None
        except TimeoutError:
            return None


async def _active(health: str) -> int:
    async with httpx.AsyncClient() as http:
        return int((await http.get(health)).json()["components"]["sessions"]["active"])


async def test_raw_pcm_websocket_refuses_without_token_with_4401_and_health_stays_open(
    tmp_path: Path,
) -> None:
    server = _served(tmp_path, {"provider": "websocket", "options": {"host": "127.0.0.1", "port": 0}})
    try:
        ready = server.ready()
        url, start = ready["transport"]["url"], json.dumps({"type": "start", "sample_rate": 16000})
        assert await _close_code(url, start) == 4401
        assert await _close_code(url, start, {"Authorization": "Bearer not-the-token"}) == 4401
        assert await _close_code(f"{url}?token={TOKEN}", start) is None  # admitted: stays open
        async with httpx.AsyncClient() as http:
            assert (await http.get(ready["health"])).status_code == 200  # open: no token asked
        server.signal()
        assert await server.exit_code() == 0
    finally:
        server.stop()


async def test_pipecat_rtvi_websocket_refuses_without_token_with_4401(tmp_path: Path) -> None:
    backend = {"provider": "pipecat", "options": {"transport": "websocket", "host": "127.0.0.1", "port": 0}}
    server = _served(tmp_path, backend)
    try:
        ready = server.ready()
        assert await _close_code(ready["transport"]["url"], None) == 4401
        assert await _active(ready["health"]) == 0
        server.signal()
        assert await server.exit_code() == 0
    finally:
        server.stop()


async def test_vocode_conversation_and_inbound_call_webhook_need_credentials(tmp_path: Path) -> None:
    port = free_port()
    backend = {"provider": "vocode", "options": {"host": "127.0.0.1", "port": 0, "telephony_port": port}}
    server = _served(tmp_path, backend)
    try:
        ready = server.ready()
        audio_in = {"sampling_rate": 16000, "audio_encoding": "linear16", "chunk_size": 320}
        audio_out = {"sampling_rate": 16000, "audio_encoding": "linear16"}
        start = json.dumps(
            {
                "type": "websocket_audio_config_start",
                "input_audio_config": audio_in,
                "output_audio_config": audio_out,
            }
        )
        assert await _close_code(ready["transport"]["url"] + "/conversation", start) == 4401
        hook = f"http://127.0.0.1:{port}/inbound_call"
        form = [("CallSid", "CA" + "5" * 32), ("From", "+15550003333")]
        body = urllib.parse.urlencode(form)
        form_type = {"Content-Type": "application/x-www-form-urlencoded"}
        async with httpx.AsyncClient() as http:
            unsigned = await http.post(hook, content=body, headers=form_type)
            signed = await http.post(hook, content=body, headers={
                **form_type, "X-Twilio-Signature": twilio_signature(TWILIO_TOKEN, hook, form)})  # fmt: skip
        assert unsigned.status_code == 401 and unsigned.json()["error"]["code"] == "authentication_failed"
        assert signed.status_code == 200 and "/connect_call/" in signed.text
        server.signal()
        assert await server.exit_code() == 0
    finally:
        server.stop()
