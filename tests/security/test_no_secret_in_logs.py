"""A full served session at log level debug writes none of the configured secrets anywhere."""

from __future__ import annotations

import json
import queue
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.backends.server_process import ServerProcess, serve_config
from tests.backends.support import WSClient

from .conftest import REDIS_PASSWORD

pytestmark = [pytest.mark.anyio]

AUTH_TOKEN = "tok-9c1f5e7a2b4d6e8f"
API_KEY = "sk-live-4e2d8c1a9b7f3e5d"
TWILIO_TOKEN = "tw-auth-0a1b2c3d4e5f6071"


class RawServerProcess(ServerProcess):
    """`ServerProcess` that also keeps every stdout line as written (not only JSON events)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.stdout: list[str] = []
        super().__init__(*args, **kwargs)

    def _read_out(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace")
            self.stdout.append(line)
            try:
                self.events.put(json.loads(line))
            except ValueError:
                continue


def _drain(events: queue.Queue[dict[str, Any]]) -> None:
    while True:
        try:
            events.get_nowait()
        except queue.Empty:
            return


async def test_a_debug_session_logs_no_configured_secret(tmp_path: Path, redis_with_password: str) -> None:
    config = serve_config(
        tmp_path,
        hooks={"auth": {"type": "token", "tokens_env": "VG_TEST_TOKENS"}},
        persistence={"url_env": "VG_TEST_STORE_URL"},
        logging={"level": "debug", "tracebacks": True},
    )
    env = {
        "VG_TEST_TOKENS": f"{AUTH_TOKEN}=alice",
        "VG_TEST_STORE_URL": redis_with_password,
        "OPENAI_API_KEY": API_KEY,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
    }
    server = RawServerProcess(config, tmp_path, env=env, extra_args=["--log-level", "debug"])
    try:
        ready = server.ready()
        url = ready["transport"]["url"]
        # a refusal (wrong token, then the token in the query string) and a full session
        with pytest.raises((ConnectionClosed, AssertionError, json.JSONDecodeError)):
            bad = await WSClient.open(url, headers={"Authorization": "Bearer wrong-token-123456"})
            await bad.reply(timeout=3)
        refused = await WSClient.open(f"{url}?token={AUTH_TOKEN}x")
        assert refused.started.get("type") == "error"
        client = await WSClient.open(url, headers={"Authorization": f"Bearer {AUTH_TOKEN}"})
        assert client.session_id, client.started
        await client.say("hello there")
        assert "hello" in (await client.reply()).lower()
        await client.close()
        async with httpx.AsyncClient() as http:
            assert (await http.get(ready["health"])).status_code == 200
        server.signal()
        assert await server.exit_code() == 0
    finally:
        server.stop()
    written = "".join(server.stdout + server.stderr)
    assert "session" in written  # the debug log did record the session (serve has no log file: stderr only)
    for secret in (AUTH_TOKEN, API_KEY, TWILIO_TOKEN, REDIS_PASSWORD):
        assert secret not in written, f"{secret[:4]}... leaked"
