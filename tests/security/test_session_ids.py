"""Ids a client can use to reach a session are unguessable: 128+ random bits, URL-safe, unique."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.backends.server_process import ServerProcess, serve_config
from tests.backends.support import WSClient
from voicegraph.backends.session import new_session_id

pytestmark = [pytest.mark.anyio]

URLSAFE = re.compile(r"^[A-Za-z0-9_-]+$")
MIN_CHARS = 22
"""22 base64url characters hold 128 bits (token_urlsafe(16))."""


def _unguessable(ids: list[str]) -> None:
    assert len(set(ids)) == len(ids), ids
    for value in ids:
        assert URLSAFE.match(value) and len(value) >= MIN_CHARS, value
    assert len({v[:8] for v in ids}) == len(ids), "shared prefixes: not random"


def test_new_session_ids_are_random_urlsafe_128_bit_values() -> None:
    _unguessable([new_session_id() for _ in range(200)])


async def test_served_session_ids_and_resume_tokens_are_unguessable(tmp_path: Path) -> None:
    options = {"host": "127.0.0.1", "port": 0, "resume_grace_s": 5}
    config = serve_config(tmp_path)
    config["backend"] = {"provider": "websocket", "options": options}
    server = ServerProcess(config, tmp_path)
    try:
        url = server.ready()["transport"]["url"]
        sessions, tokens = [], []
        for _ in range(6):
            client = await WSClient.open(url)
            sessions.append(client.session_id)
            tokens.append(str(client.started.get("resume_token", "")))
            await client.close()
        _unguessable(sessions)
        _unguessable(tokens)
        assert not set(sessions) & set(tokens)
        guessed = await WSClient.open(url, resume=tokens[0][:-1] + ("A" if tokens[0][-1] != "A" else "B"))
        assert guessed.started.get("type") == "error"
        assert guessed.started["code"] == "session_not_found", guessed.started
        server.signal()
        assert await server.exit_code() == 0
    finally:
        server.stop()


async def test_vocode_conversation_ids_in_twiml_are_unguessable(tmp_path: Path) -> None:
    from .conftest import free_port

    port = free_port()
    config = serve_config(tmp_path)
    config["backend"] = {
        "provider": "vocode",
        "options": {"host": "127.0.0.1", "port": 0, "telephony_port": port},
    }
    server = ServerProcess(config, tmp_path, env={"TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": ""})
    try:
        server.ready()
        ids = []
        async with httpx.AsyncClient() as http:
            for _ in range(6):
                twiml = (await http.get(f"http://127.0.0.1:{port}/inbound_call?CallSid=CA1")).text
                found = re.search(r"/connect_call/([^\"/]+)\"", twiml)
                assert found is not None, twiml
                ids.append(found.group(1))
        _unguessable(ids)
        server.signal()
        assert await server.exit_code() == 0
    finally:
        server.stop()
