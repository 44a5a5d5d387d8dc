"""Twilio entrances of a served config with auth: webhook and stream need X-Twilio-Signature."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.backends.server_process import ServerProcess, serve_config
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.transports.twilio_signature import TwilioSignature, twilio_signature

from .conftest import free_port

pytestmark = [pytest.mark.anyio]

TOKEN = "twilio-auth-token-for-tests-0123"
HOOK = "voicegraph.backends.hooks:TwilioSignatureAuthHook"
FORM = [("CallSid", "CA" + "1" * 32), ("From", "+15550001111"), ("To", "+15550002222")]


def test_signature_matches_twilios_documented_vectors() -> None:
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"),
              ("From", "+14158675309"), ("To", "+18005551212")]  # fmt: skip
    assert twilio_signature("12345", url, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    repeated = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234"),
                ("Digits", "1234")]  # fmt: skip
    assert twilio_signature("12345", url, repeated) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


def test_check_accepts_the_url_with_or_without_its_default_port_and_nothing_else() -> None:
    check = TwilioSignature("12345")
    signed = twilio_signature("12345", "https://voice.example.com/twiml")
    check.check(["https://voice.example.com:443/twiml"], signed)
    for urls, sig in (
        (["https://voice.example.com/other"], signed),
        (["https://voice.example.com/twiml"], ""),
    ):
        with pytest.raises(VoiceError) as info:
            check.check(urls, sig)
        assert info.value.code is ErrorCode.AUTHENTICATION_FAILED


def _config(tmp: Path, twiml_port: int) -> dict[str, Any]:
    config = serve_config(tmp, hooks={"auth": {"type": HOOK}})
    config["backend"] = {
        "provider": "twilio",
        "options": {"host": "127.0.0.1", "port": 0, "twiml_port": twiml_port},
    }
    return config


async def _active_sessions(health: str) -> int:
    async with httpx.AsyncClient() as http:
        return int((await http.get(health)).json()["components"]["sessions"]["active"])


async def _stream(url: str, headers: dict[str, str]) -> Any:
    ws = await connect(url, additional_headers=headers, open_timeout=5)
    sid = "MZ" + "2" * 32
    media = {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}
    start = {"streamSid": sid, "accountSid": "AC" + "0" * 32, "callSid": "CA" + "3" * 32,
             "tracks": ["inbound"], "customParameters": {}, "mediaFormat": media}  # fmt: skip
    await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
    await ws.send(json.dumps({"event": "start", "sequenceNumber": "1", "streamSid": sid, "start": start}))
    return ws


async def test_served_twilio_refuses_unsigned_webhooks_and_streams(tmp_path: Path) -> None:
    twiml_port = free_port()
    server = ServerProcess(_config(tmp_path, twiml_port), tmp_path, env={"TWILIO_AUTH_TOKEN": TOKEN})
    try:
        ready = server.ready()
        ws_url, health = ready["transport"]["url"], ready["health"]
        hook_url = f"http://127.0.0.1:{twiml_port}/twiml"
        body = urllib.parse.urlencode(FORM)
        form_type = {"Content-Type": "application/x-www-form-urlencoded"}
        async with httpx.AsyncClient() as http:
            unsigned = await http.post(hook_url, content=body, headers=form_type)
            forged = await http.post(
                hook_url, content=body, headers={**form_type, "X-Twilio-Signature": "AAAA"}
            )
            signed = await http.post(hook_url, content=body, headers={
                **form_type, "X-Twilio-Signature": twilio_signature(TOKEN, hook_url, FORM)})  # fmt: skip
            get_url = ws_url.replace("ws://", "http://") + "/twiml?CallSid=CA9"
            get_unsigned = await http.get(get_url)
            get_signed = await http.get(
                get_url, headers={"X-Twilio-Signature": twilio_signature(TOKEN, get_url)}
            )
        for refused in (unsigned, forged, get_unsigned):
            assert refused.status_code == 401
            assert refused.json()["error"]["code"] == "authentication_failed"
        assert signed.status_code == 200 and "<Stream" in signed.text
        assert get_signed.status_code == 200 and "<Stream" in get_signed.text

        stream_url = f"{ws_url}/stream"
        ws = await _stream(stream_url, {"X-Twilio-Signature": "forged"})
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(5):
                while True:
                    await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
        assert await _active_sessions(health) == 0

        wss = stream_url.replace("ws://", "wss://")
        ws = await _stream(stream_url, {"X-Twilio-Signature": twilio_signature(TOKEN, wss)})
        deadline = time.monotonic() + 5
        while await _active_sessions(health) != 1:
            assert time.monotonic() < deadline, "the signed stream got no session"
            await asyncio.sleep(0.05)
        await ws.close()
        server.signal()
        assert await server.exit_code() == 0
    finally:
        server.stop()


def test_twilio_with_auth_and_no_auth_token_refuses_to_start(tmp_path: Path) -> None:
    env = {"TWILIO_AUTH_TOKEN": ""}
    server = ServerProcess(_config(tmp_path, free_port()), tmp_path, env=env)
    try:
        assert server.wait(60) == 2
        assert any("invalid_config" in line for line in server.stderr)
    finally:
        server.stop()
