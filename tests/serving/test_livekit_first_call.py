"""A LiveKit user's first call to a fresh `voicegraph serve` on the LiveKit provider is answered.

A real livekit-server runs on loopback (tests/livekit_server.py, in its own network
namespace where the machine allows one). The cold server's agent joins room
`serving-test`; a user joins with the livekit Python SDK, publishes the question as a
microphone track in real time, and must hear the reply and receive both sides' words as
`lk.transcription` text streams. The scenario runs as a subprocess in the server's
namespace (livekit_scenario.py) and the server is stopped by SIGTERM. The same holds
when the user joins while the server still loads its engines.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from tests.livekit_server import LiveKitServer

from .question import heard_the_question
from .serve_process import ROOT

pytestmark = [pytest.mark.serving, pytest.mark.slow, pytest.mark.timeout(200)]


@pytest.fixture(scope="module", params=["after-ready", "during-preload"])
def call(livekit_server: LiveKitServer, request: pytest.FixtureRequest) -> dict[str, Any]:
    """The user joins once the server says `ready`, or as soon as it listens (engines loading)."""
    early = ["--early"] if request.param == "during-preload" else []
    cmd = [sys.executable, "-m", "tests.serving.livekit_scenario", *early]
    if livekit_server.netns is not None:
        cmd = livekit_server.netns.wrap(cmd)
    env = {
        **os.environ, "PYTHONPATH": str(ROOT), "LIVEKIT_URL": livekit_server.url,
        "LIVEKIT_API_KEY": livekit_server.api_key, "LIVEKIT_API_SECRET": livekit_server.api_secret,
    }  # fmt: skip
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False)
    lines = proc.stdout.strip().splitlines()
    assert proc.returncode == 0 and lines, (
        f"scenario exited {proc.returncode}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
    )
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def why(call: dict[str, Any]) -> str:
    shown = {k: v for k, v in call.items() if k != "server"}
    return f"scenario: {json.dumps(shown)[:3000]}\n{call.get('server', '')}"


def test_the_user_hears_the_agents_reply(call: dict[str, Any]) -> None:
    assert call.get("subscribed") and call.get("reply_after_s") is not None, why(call)
    assert call.get("loud_frames", 0) >= 20, why(call)  # 200 ms of loud reply or more


def test_the_users_words_come_back_as_a_transcription(call: dict[str, Any]) -> None:
    assert heard_the_question(call.get("user_said", "")), why(call)


def test_the_agents_words_come_as_a_transcription(call: dict[str, Any]) -> None:
    assert call.get("bot_said", "").strip(), why(call)


def test_sigterm_after_the_call_exits_0_promptly(call: dict[str, Any]) -> None:
    assert call.get("exit_code") == 0 and call.get("exit_s", 99) < 8, why(call)
