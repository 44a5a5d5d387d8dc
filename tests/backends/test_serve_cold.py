"""`voicegraph serve` started cold, as a user would: config mistakes, --check, TwiML, logging."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from .server_process import ROOT, ServerProcess, serve_config
from .support import WSClient

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

EXAMPLES = ROOT / "voicegraph" / "backends"
LIVEKIT_ENV = {
    "LIVEKIT_URL": "ws://127.0.0.1:7880",
    "LIVEKIT_API_KEY": "devkey",
    "LIVEKIT_API_SECRET": "a-secret-for-the-check-only-0123456789",
}


def run_serve(
    config: dict[str, Any] | Path, tmp: Path, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`voicegraph serve CONFIG ARGS...` to its end (a config that fails exits at once)."""
    path = config if isinstance(config, Path) else tmp / "serve.yaml"
    if not isinstance(config, Path):
        path.write_text(yaml.safe_dump(config))
    env = {**os.environ, "PYTHONPATH": str(ROOT), **LIVEKIT_ENV}
    cmd = [sys.executable, "-m", "voicegraph.cli", "serve", str(path), *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp, timeout=timeout)


def _with(tmp: Path, **changes: Any) -> dict[str, Any]:
    config = serve_config(tmp)
    for key, value in changes.items():
        section, _, sub = key.partition("__")
        if sub:
            config.setdefault(section, {}).setdefault("options", {})[sub] = value
        else:
            config[section] = value
    return config


MISTAKES: dict[str, tuple[dict[str, Any], str]] = {
    "port out of range": ({"backend__port": 99999}, "backend.options.port"),
    "unknown provider option": ({"backend__resume_grace": 10}, "backend.options.resume_grace"),
    "cycle": (
        {
            "graph": {
                "name": "loop",
                "nodes": [{"id": "a", "type": "echo_agent"}, {"id": "b", "type": "echo_agent"}],
                "links": [["a", "b"], ["b", "a"]],
            }
        },
        "cycle",
    ),
    "unknown node type": (
        {"graph": {"name": "x", "nodes": [{"id": "a", "type": "no_such_node"}]}},
        "no_such_node",
    ),
}


@pytest.mark.parametrize("case", sorted(MISTAKES))
def test_config_mistake_exits_2_with_one_coded_line_and_no_traceback(tmp_path: Path, case: str) -> None:
    changes, named = MISTAKES[case]
    result = run_serve(_with(tmp_path, **changes), tmp_path)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert [line for line in lines if named in line and "[invalid_config]" in line], result.stderr
    assert not result.stdout.strip()  # never said listening or ready


def test_memory_provider_accepts_the_websocket_options_block(tmp_path: Path) -> None:
    config = serve_config(tmp_path)
    config["backend"]["provider"] = "memory"
    result = run_serve(config, tmp_path, "--check")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("transport", ["websocket", "twilio", "webrtc", "livekit"])
def test_example_config_for_the_stock_agent_passes_check(tmp_path: Path, transport: str) -> None:
    result = run_serve(EXAMPLES / f"serve_voice_agent_{transport}.yaml", tmp_path, "--check")
    assert result.returncode == 0, result.stderr
    assert '"checked"' in result.stdout


PROVIDER_EXAMPLES = {
    "serve_voice_agent_pipecat.yaml": {},
    "serve_voice_agent_daily.yaml": {"DAILY_API_KEY": "test-key"},
    "serve_voice_agent_cartesia.yaml": {"CARTESIA_API_KEY": "test-key"},
    "serve_vocode.yaml": {},
    "serve_vapi.yaml": {"VAPI_SERVER_SECRET": "s" * 24, "VAPI_LLM_API_KEY": "k" * 24},
}
"""The provider example configs, with the credentials each reads from the environment."""


@pytest.mark.parametrize("name", sorted(PROVIDER_EXAMPLES))
def test_example_config_of_each_provider_passes_check(tmp_path: Path, name: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **PROVIDER_EXAMPLES[name]}
    cmd = [sys.executable, "-m", "voicegraph.cli", "serve", str(EXAMPLES / name), "--check"]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert '"checked"' in result.stdout


def test_stock_spec_file_serves_as_it_runs(tmp_path: Path) -> None:
    config = serve_config(tmp_path, graph=str(ROOT / "voicegraph" / "graphs" / "voice_agent.yaml"))
    result = run_serve(config, tmp_path, "--check")
    assert result.returncode == 0, result.stderr
    assert "resume_filter" in result.stdout


def _twilio(tmp: Path, **options: Any) -> dict[str, Any]:
    config = serve_config(tmp, engines={"preload": False})
    config["backend"] = {"provider": "twilio", "options": {"host": "127.0.0.1", "port": 0, **options}}
    return config


@pytest.mark.parametrize(
    ("options", "scheme"),
    [({}, "ws://"), ({"public_url": "https://voice.example.com"}, "wss://voice.example.com/")],
)
async def test_twiml_names_the_scheme_the_server_speaks(
    tmp_path: Path, options: dict[str, Any], scheme: str
) -> None:
    server = ServerProcess(_twilio(tmp_path, **options), tmp_path)
    try:
        ready = await server.next_event("ready")
        http_url = ready["transport"]["url"].replace("ws://", "http://")
        async with httpx.AsyncClient() as http:
            answer = await http.get(f"{http_url}/twiml")
        assert answer.status_code == 200
        assert f'url="{scheme}' in answer.text
        server.signal(signal.SIGTERM)
        assert await server.exit_code() == 0
    finally:
        server.stop()


async def test_sessions_and_turns_are_logged_on_stderr_with_the_session_id(tmp_path: Path) -> None:
    server = ServerProcess(serve_config(tmp_path), tmp_path)
    try:
        ready = await server.next_event("ready")
        client = await WSClient.open(ready["transport"]["url"])
        await client.say("hello there")
        assert (await client.reply()).endswith("(turn 1)")
        sid = client.session_id
        await client.close()
        server.signal(signal.SIGTERM)
        assert await server.exit_code() == 0
    finally:
        server.stop()
    log = "".join(server.stderr)
    assert f"session {sid} started" in log
    assert f"session {sid} turn 1 answered" in log
    assert f"session {sid} ended" in log


async def test_log_level_flag_silences_info_lines(tmp_path: Path) -> None:
    path = tmp_path / "serve.yaml"
    path.write_text(yaml.safe_dump(serve_config(tmp_path)))
    server = ServerProcess(serve_config(tmp_path), tmp_path, extra_args=["--log-level", "warning"])
    try:
        ready = await server.next_event("ready")
        client = await WSClient.open(ready["transport"]["url"])
        await client.say("hello")
        await client.reply()
        await client.close()
        server.signal(signal.SIGTERM)
        assert await server.exit_code() == 0
    finally:
        server.stop()
    assert " started" not in "".join(server.stderr)
