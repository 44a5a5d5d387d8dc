"""`voicegraph serve` with the `vapi` provider, started cold from the example config."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fakes.vapi_caller import VapiCaller, new_call_id, sse_events

from ..server_process import ROOT, ServerProcess
from .vapi_config import ENV, LLM_KEY, SECRET, TOOLS, scripted_graph

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.serving]
EXAMPLE = ROOT / "voicegraph" / "backends" / "serve_vapi.yaml"


def example_config(tmp: Path) -> dict[str, Any]:
    """The example, on a free port, with a model-free agent graph and a tool."""
    config: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    config["backend"]["options"].update(port=0, tools=[f"{TOOLS}:order_status"])
    config["graph"] = scripted_graph("Your order ships tomorrow.")
    config["persistence"] = {"url": f"sqlite:///{tmp / 'sessions.db'}"}
    config["health"] = {"enabled": False}
    return config


async def test_a_cold_vapi_server_answers_the_custom_llm_and_the_server_url(tmp_path: Path) -> None:
    proc = ServerProcess(example_config(tmp_path), tmp_path, env=ENV)
    try:
        ready = await proc.next_event("ready", timeout=60)
        assert ready["provider"] == "vapi"
        vapi = VapiCaller(ready["transport"]["url"], llm_key=LLM_KEY, secret=SECRET)
        call = new_call_id()
        chat = await vapi.chat(vapi.chat_body(call, [{"role": "user", "content": "where is my order"}]))
        calls = [
            {
                "id": "t1",
                "type": "function",
                "function": {"name": "order_status", "arguments": '{"order_id": "7"}'},
            }
        ]
        tools = await vapi.webhook(vapi.webhook_body("tool-calls", call, toolCallList=calls))
        denied = await vapi.webhook(
            vapi.webhook_body("tool-calls", call, toolCallList=calls), auth="bad-hmac"
        )
        proc.signal()
        assert await proc.exit_code() == 0
    finally:
        proc.stop()
    text = "".join(e["choices"][0]["delta"].get("content") or "" for e in sse_events(chat.text)[:-1])
    assert text == "Your order ships tomorrow."
    assert tools.json()["results"][0]["result"] == "Order 7 ships tomorrow."
    assert denied.status_code == 401


def test_the_example_config_checks_and_names_a_missing_secret(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("VAPI_")} | {"PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "voicegraph.cli", "serve", str(EXAMPLE), "--check"]
    missing = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    ok = subprocess.run(cmd, capture_output=True, text=True, env=env | ENV, cwd=tmp_path, timeout=120)
    assert (
        missing.returncode == 2
        and "[invalid_config]" in missing.stderr
        and "options.secret" in missing.stderr
    )
    assert "Traceback" not in missing.stderr
    assert ok.returncode == 0, ok.stderr
