"""Without httpx (no `agent` or `local` extra) the agent package imports, and the HTTP
client says which extra to install."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import json, sys
sys.modules["httpx"] = None  # as if not installed
from voicegraph.framework import VoiceError
from voicegraph.processors.agent import Endpoint, OpenAIChatClient, ScriptedAgent
from voicegraph.processors.context import ConversationContext, UserAggregator
UserAggregator(context=ConversationContext()), ScriptedAgent(rules={"hi": "Hello."})
try:
    OpenAIChatClient(Endpoint(base_url="http://127.0.0.1:9/v1", model="m"))
except VoiceError as err:
    print(json.dumps({"code": str(err.code), "message": err.message}))
"""


def test_the_agent_package_imports_without_httpx_and_the_client_names_the_extra() -> None:
    run = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    error = json.loads(run.stdout)
    assert error["code"] == "missing_dependency" and "agent" in error["message"]
