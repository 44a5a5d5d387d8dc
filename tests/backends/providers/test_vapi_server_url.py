"""Vapi's server URL: assistant-request, tool-calls, status, end-of-call report, signatures."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import yaml

from tests.fakes.vapi_caller import VapiCaller, new_call_id
from voicegraph.backends.config import load_config
from voicegraph.backends.from_config import build_served
from voicegraph.backends.providers.vapi import VapiServer
from voicegraph.backends.session import SessionState
from voicegraph.framework.errors import ErrorCode, VoiceError

from ..server_process import ROOT
from .vapi_config import HMAC_SECRET, LLM_KEY, SECRET, scripted_graph, vapi_config

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("vapi_env")]


@asynccontextmanager
async def serving(**config: Any) -> AsyncIterator[tuple[Any, VapiServer, VapiCaller]]:
    served = build_served(load_config(vapi_config(scripted_graph("Hi."), **config), env={}))
    await served.start()
    try:
        server = served.backend.transport
        assert isinstance(server, VapiServer)
        yield served, server, VapiCaller(server.url, llm_key=LLM_KEY, secret=SECRET, hmac_secret=HMAC_SECRET)
    finally:
        await served.stop(5)


async def test_assistant_request_gets_the_default_or_the_hooks_choice() -> None:
    async with serving() as (_, _server, vapi):
        plain = await vapi.webhook(
            vapi.webhook_body("assistant-request", new_call_id(), customer={"number": "+4930"})
        )
        sales = await vapi.webhook(
            vapi.webhook_body("assistant-request", new_call_id(), customer={"number": "+15550"})
        )
    assert plain.json() == {"assistantId": "asst-support"}
    assert sales.json()["assistant"]["name"] == "Sales"


async def test_tool_calls_are_answered_by_the_tool_registry_in_vapis_result_shape() -> None:
    calls = [
        {
            "id": "t1",
            "type": "function",
            "function": {"name": "order_status", "arguments": {"order_id": "42"}},
        },
        {
            "id": "t2",
            "type": "function",
            "function": {"name": "order_status", "arguments": '{"order_id": "x"}'},
        },
        {"id": "t3", "name": "no_such_tool", "parameters": {}},
    ]
    async with serving() as (_, _server, vapi):
        reply = await vapi.webhook(vapi.webhook_body("tool-calls", new_call_id(), toolCallList=calls))
    results = reply.json()["results"]
    assert [r["toolCallId"] for r in results] == ["t1", "t2", "t3"]
    assert results[0] == {"toolCallId": "t1", "name": "order_status", "result": "Order 42 ships tomorrow."}
    assert "error" in results[1] and "result" not in results[1]
    assert "unknown tool" in json.loads(results[2]["error"])["error"]


async def test_status_updates_are_recorded_per_call() -> None:
    call = new_call_id()
    async with serving() as (_, server, vapi):
        for status in ("ringing", "in-progress", "ended"):
            assert (await vapi.webhook(vapi.webhook_body("status-update", call, status=status))).json() == {}
        assert server.server_url.statuses[call] == ["ringing", "in-progress", "ended"]


def _report(vapi: VapiCaller, call: str) -> dict[str, Any]:
    messages = [
        {"role": "user", "content": "where is my order"},
        {"role": "assistant", "content": "It ships."},
    ]
    artifact = {
        "transcript": "User: where is my order\nAI: It ships.",
        "messages": [],
        "messagesOpenAIFormatted": messages,
    }
    return vapi.webhook_body(
        "end-of-call-report", call, endedReason="customer-ended-call", artifact=artifact, cost=0.02,
        analysis={"summary": "order question"},
    )  # fmt: skip


async def test_the_end_of_call_report_is_kept_as_the_retention_hook_says() -> None:
    call = new_call_id()
    async with serving() as (served, server, vapi):
        await vapi.chat(vapi.chat_body(call, [{"role": "user", "content": "hi"}]))
        assert call in server.agents.calls
        assert (await vapi.webhook(_report(vapi, call))).status_code == 200
        record = await served.backend.manager.store.load(call)
        assert call not in server.agents.calls  # the call's agent graph stopped
    assert record is not None and record.state is SessionState.COMPLETED
    assert record.metadata["endedReason"] == "customer-ended-call" and record.expires_at is not None
    assert record.conversation["messages"][1]["content"] == "It ships."


async def test_a_report_with_retention_off_is_not_stored() -> None:
    call = new_call_id()
    async with serving(keep_completed_s=0) as (served, _server, vapi):
        assert (await vapi.webhook(_report(vapi, call))).status_code == 200
        assert await served.backend.manager.store.load(call) is None


@pytest.mark.parametrize("auth", ["secret", "bearer", "hmac"])
async def test_each_documented_credential_is_accepted(auth: str) -> None:
    async with serving() as (_, _server, vapi):
        reply = await vapi.webhook(
            vapi.webhook_body("status-update", new_call_id(), status="ringing"), auth=auth
        )
    assert reply.status_code == 200


@pytest.mark.parametrize("auth", ["bad-hmac", "none"])
async def test_a_bad_signature_or_none_is_401_coded(auth: str) -> None:
    async with serving() as (_, server, vapi):
        reply = await vapi.webhook(vapi.webhook_body("tool-calls", new_call_id(), toolCallList=[]), auth=auth)
        assert not server.server_url.counts  # nothing was handled
    assert reply.status_code == 401 and reply.json()["error"]["code"] == "authentication_failed"


@pytest.mark.parametrize(
    "body", [b"{not json", b"[1, 2]", b'{"message": {"call": {}}}', b'{"message": {"type": "tool-calls"}}']
)
async def test_bad_bodies_get_a_coded_400(body: bytes) -> None:
    async with serving() as (_, _server, vapi):
        reply = await vapi.webhook(body)
    assert reply.status_code == 400 and reply.json()["error"]["code"] == "invalid_input"


@pytest.mark.parametrize(
    ("missing", "field"), [("VAPI_SERVER_SECRET", "secret"), ("VAPI_LLM_API_KEY", "llm_api_key")]
)
async def test_missing_credentials_are_a_config_error_naming_the_field(
    monkeypatch: pytest.MonkeyPatch, missing: str, field: str
) -> None:
    monkeypatch.delenv(missing)
    with pytest.raises(VoiceError) as err:
        build_served(load_config(vapi_config(scripted_graph("Hi.")), env={}))
    assert err.value.code is ErrorCode.INVALID_CONFIG and f"options.{field}" in err.value.message


async def test_a_too_short_secret_is_a_config_error_naming_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAPI_SERVER_SECRET", "short")
    with pytest.raises(VoiceError) as err:
        build_served(load_config(vapi_config(scripted_graph("Hi.")), env={}))
    assert err.value.code is ErrorCode.INVALID_CONFIG and "options.secret" in err.value.message


def test_voicegraph_providers_lists_vapi_with_its_capabilities() -> None:
    cmd = [sys.executable, "-m", "voicegraph.cli", "providers", "--json"]
    out = subprocess.run(
        cmd, capture_output=True, text=True, env={"PYTHONPATH": str(ROOT), "PATH": ""}, timeout=120
    )
    listing = json.loads(out.stdout)
    vapi = listing["backends"]["vapi"]
    assert vapi["status"] == "ok"
    assert vapi["capabilities"]["speech_to_speech"] is False and vapi["capabilities"]["custom_auth"] is True
    assert "vapi_call" in listing["processors"]


def test_the_docs_yaml_config_loads_and_builds() -> None:
    import re

    page = (ROOT / "docs" / "providers" / "vapi.md").read_text()
    (block,) = re.findall(r"^```yaml\n(.*?)^```$", page, re.M | re.S)
    served = build_served(load_config(yaml.safe_load(block), env={}))
    server = served.backend.transport
    assert isinstance(server, VapiServer)
    assert set(server.options.assistants) == {"support", "after_hours"}
    assert getattr(served.backend.manager.hooks.retention, "keep_s", None) == 86400
