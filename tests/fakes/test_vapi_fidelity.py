"""The Vapi fakes and voicegraph's Vapi code checked against the official SDK's types.

Parsed with `vapi-server-sdk` (1.9.0) pydantic models: every JSON message the fake Vapi
sends on a call socket, every control message and `POST /call` body the node sends, the
webhook bodies the fake sends to the server URL and voicegraph's replies; the SDK's own
client creates and reads a call on the fake. Chat chunks are checked with `openai`'s types.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from vapi import AsyncVapi
from vapi.core.pydantic_utilities import parse_obj_as
from vapi.types.call import Call
from vapi.types.client_inbound_message_add_message import ClientInboundMessageAddMessage
from vapi.types.client_inbound_message_end_call import ClientInboundMessageEndCall
from vapi.types.client_inbound_message_say import ClientInboundMessageSay
from vapi.types.client_message_conversation_update import ClientMessageConversationUpdate
from vapi.types.client_message_model_output import ClientMessageModelOutput
from vapi.types.client_message_speech_update import ClientMessageSpeechUpdate
from vapi.types.client_message_transcript import ClientMessageTranscript
from vapi.types.client_message_user_interrupted import ClientMessageUserInterrupted
from vapi.types.server_message_assistant_request import ServerMessageAssistantRequest
from vapi.types.server_message_end_of_call_report import ServerMessageEndOfCallReport
from vapi.types.server_message_response_assistant_request import ServerMessageResponseAssistantRequest
from vapi.types.server_message_response_tool_calls import ServerMessageResponseToolCalls
from vapi.types.server_message_status_update import ServerMessageStatusUpdate
from vapi.types.server_message_tool_calls import ServerMessageToolCalls

from tests.backends.providers.vapi_config import (
    ENV,
    HMAC_SECRET,
    LLM_KEY,
    SECRET,
    scripted_graph,
    vapi_config,
)
from tests.fakes.vapi_caller import VapiCaller, new_call_id, sse_events
from tests.fakes.vapi_server import FakeVapiServer
from tests.processors.s2s.vapi_helpers import speak, until, until_event
from voicegraph.backends.config import load_config
from voicegraph.backends.from_config import build_served
from voicegraph.backends.providers import register_builtin
from voicegraph.backends.providers.vapi import VapiServer
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import EndCallFrame, Frame, OutputAudioFrame
from voicegraph.processors.s2s.vapi_call import VapiCall
from voicegraph.processors.s2s.vapi_call_frames import VapiAddMessageFrame, VapiSayFrame
from voicegraph.transports import MemoryTransport

pytestmark = pytest.mark.anyio

SOCKET_TYPES: dict[str, Any] = {
    "transcript": ClientMessageTranscript,
    "speech-update": ClientMessageSpeechUpdate,
    "conversation-update": ClientMessageConversationUpdate,
    "model-output": ClientMessageModelOutput,
    "user-interrupted": ClientMessageUserInterrupted,
    "status-update": ServerMessageStatusUpdate,  # the SDK has it as a server message only
}
CONTROL_TYPES: dict[str, Any] = {
    "say": ClientInboundMessageSay,
    "add-message": ClientInboundMessageAddMessage,
    "end-call": ClientInboundMessageEndCall,
}
WEBHOOK_TYPES: dict[str, Any] = {
    "assistant-request": ServerMessageAssistantRequest,
    "tool-calls": ServerMessageToolCalls,
    "status-update": ServerMessageStatusUpdate,
    "end-of-call-report": ServerMessageEndOfCallReport,
}


async def test_the_sdk_client_creates_and_reads_a_websocket_call_on_the_fake() -> None:
    async with FakeVapiServer() as vapi, httpx.AsyncClient(timeout=10) as http:
        sdk = AsyncVapi(token=vapi.api_key, base_url=vapi.base_url, httpx_client=http)
        audio = {"format": "pcm_s16le", "container": "raw", "sampleRate": 16000}
        call = await sdk.calls.create(
            assistant_id="asst-1", transport={"provider": "vapi.websocket", "audioFormat": audio}
        )
        again = await sdk.calls.get(call.id)
        sdk_body = vapi.requests[-1][2]
        node_body = VapiCall(api_key="k", assistant_id="asst-1").body
    assert isinstance(call, Call) and call.type == "vapi.websocketCall" and call.status == "queued"
    assert call.transport is not None and str(call.transport["websocketCallUrl"]).startswith("ws://")
    assert again.id == call.id and again.org_id == call.org_id
    assert node_body == sdk_body  # voicegraph's POST /call body is what the SDK sends


async def test_every_socket_message_both_ways_parses_with_the_sdk_types() -> None:
    client, seen = MemoryTransport(input_format=PCM16K), list[Frame]()
    story = "Once upon a time there was a little town by the sea where the fishermen lived"
    async with FakeVapiServer(first_message=story, pace=1.0) as vapi:
        node = VapiCall(api_key=vapi.api_key, base_url=vapi.base_url, assistant_id="asst-1")
        async with Runtime(Graph.chain(client.input(), node, client.output())) as rt:
            await until(client, seen, OutputAudioFrame)
            await speak(client, "stop please")  # barge-in, then an echoed turn
            await until_event(client, seen, "user-interrupted")
            await until_event(client, seen, "conversation-update")
            await rt.push(
                VapiAddMessageFrame(role="system", content="The caller is Ann.", trigger_response=True)
            )
            await rt.push(VapiSayFrame(text="Bye now", end_call_after=True))
            await until(client, seen, EndCallFrame)
        session = vapi.session()
        sent, received = list(session.sent), list(session.received)
    await asyncio.sleep(0)
    kinds = {m["type"] for m in sent}
    assert kinds >= set(SOCKET_TYPES)
    for message in sent:
        model = SOCKET_TYPES[message["type"]]
        assert parse_obj_as(model, message).type == message["type"]
    controls = [m for m in received if m["type"] in CONTROL_TYPES]
    assert {m["type"] for m in controls} == {"say", "add-message"}
    for message in controls:
        parse_obj_as(CONTROL_TYPES[message["type"]], message)
    assert all(m == {"type": "hangup"} for m in received if m["type"] not in CONTROL_TYPES)


@asynccontextmanager
async def serving(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[VapiCaller]:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    register_builtin()
    served = build_served(load_config(vapi_config(scripted_graph("Sure.")), env={}))
    await served.start()
    try:
        server = served.backend.transport
        assert isinstance(server, VapiServer)
        yield VapiCaller(server.url, llm_key=LLM_KEY, secret=SECRET, hmac_secret=HMAC_SECRET)
    finally:
        await served.stop(5)


async def test_webhooks_and_replies_parse_with_the_sdk_types(monkeypatch: pytest.MonkeyPatch) -> None:
    call = new_call_id()
    tool_call = {
        "id": "t1",
        "type": "function",
        "function": {"name": "order_status", "arguments": '{"order_id": "1"}'},
    }
    report = {
        "transcript": "User: hi",
        "messages": [],
        "messagesOpenAIFormatted": [{"role": "user", "content": "hi"}],
    }
    async with serving(monkeypatch) as vapi:
        asst = await vapi.webhook(vapi.webhook_body("assistant-request", call))
        tools = await vapi.webhook(
            vapi.webhook_body("tool-calls", call, toolCallList=[tool_call], toolWithToolCallList=[])
        )
        await vapi.webhook(vapi.webhook_body("status-update", call, status="in-progress"))
        await vapi.webhook(
            vapi.webhook_body("end-of-call-report", call, endedReason="customer-ended-call", artifact=report)
        )
    for _, body in vapi.sent:
        message = body["message"]
        assert parse_obj_as(WEBHOOK_TYPES[message["type"]], message).type == message["type"]
    assert parse_obj_as(ServerMessageResponseAssistantRequest, asst.json()).assistant_id == "asst-support"
    results = parse_obj_as(ServerMessageResponseToolCalls, tools.json()).results
    assert results is not None and results[0].tool_call_id == "t1" and results[0].result


async def test_custom_llm_chunks_and_completions_parse_with_openai_types(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from openai.types.chat import ChatCompletion, ChatCompletionChunk

    async with serving(monkeypatch) as vapi:
        streamed = await vapi.chat(vapi.chat_body(new_call_id(), [{"role": "user", "content": "hi"}]))
        whole = await vapi.chat(
            vapi.chat_body(new_call_id(), [{"role": "user", "content": "hi"}], stream=False)
        )
    chunks = [ChatCompletionChunk.model_validate(e) for e in sse_events(streamed.text)[:-1]]
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert ChatCompletion.model_validate(whole.json()).choices[0].message.content == "Sure."
