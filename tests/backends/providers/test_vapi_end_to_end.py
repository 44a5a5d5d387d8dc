"""All three ways at once: a voicegraph graph calls a (fake) Vapi assistant whose custom LLM
and server URL are a voicegraph `vapi` backend. Words in, words out, the report stored."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from vapi.core.pydantic_utilities import parse_obj_as

from tests.fakes.test_vapi_fidelity import WEBHOOK_TYPES
from tests.fakes.vapi_server import FakeVapiServer
from tests.processors.s2s.vapi_helpers import speak, until_event
from voicegraph.backends.config import load_config
from voicegraph.backends.from_config import build_served
from voicegraph.backends.providers.vapi import VapiServer
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import Frame, OutputAudioFrame
from voicegraph.processors.s2s.vapi_call import VapiCall
from voicegraph.transports import MemoryTransport

from .vapi_config import LLM_KEY, SECRET, scripted_graph, vapi_config

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
REPLY = "Your order ships tomorrow."


@pytest.mark.usefixtures("vapi_env")
async def test_a_call_through_vapi_is_answered_by_the_voicegraph_agent_and_reported() -> None:
    served = build_served(load_config(vapi_config(scripted_graph(REPLY)), env={}))
    await served.start()
    try:
        server = served.backend.transport
        assert isinstance(server, VapiServer)
        assistant = {
            "name": "voicegraph-backed",
            "model": {"provider": "custom-llm", "model": "voicegraph", "url": server.url,
                      "headers": {"Authorization": f"Bearer {LLM_KEY}"}},
            "server": {"url": server.url + "/vapi/webhook", "headers": {"X-Vapi-Secret": SECRET}},
        }  # fmt: skip
        client, seen = MemoryTransport(input_format=PCM16K), list[Frame]()
        async with FakeVapiServer() as vapi:
            node = VapiCall(api_key=vapi.api_key, base_url=vapi.base_url, assistant=assistant)
            async with Runtime(Graph.chain(client.input(), node, client.output())):
                await speak(client, "where is my order")
                said = await until_event(client, seen, "transcript", role="assistant")
            call_id = node.call_id
            wiring = vapi.session().wiring
            for _ in range(100):  # the report is posted as the fake's socket handler ends
                if wiring is not None and any(
                    b["message"]["type"] == "end-of-call-report" for k, b in wiring.sent if k == "webhook"
                ):
                    break
                await asyncio.sleep(0.05)
        record = await served.backend.manager.store.load(call_id)
    finally:
        await served.stop(5)
    assert said.payload["transcript"] == REPLY
    assert sum(len(f.data) for f in seen if isinstance(f, OutputAudioFrame)) > PCM16K.bytes_for(500_000_000)
    assert wiring is not None and not wiring.errors
    assert server.server_url.statuses[call_id] == ["in-progress", "ended"]
    assert record is not None and record.metadata["endedReason"] == "customer-ended-call"
    assert record.conversation["messages"][-1] == {"role": "assistant", "content": REPLY}
    for kind, body in wiring.sent:  # what the fake Vapi sent us parses with the SDK's types
        if kind == "webhook":
            parse_obj_as(WEBHOOK_TYPES[body["message"]["type"]], body["message"])


def _webhooks(sent: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [body["message"]["type"] for kind, body in sent if kind == "webhook"]
