"""The fake realtime server follows the protocol and refuses what the real service refuses."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from tests.fakes.openai_realtime_server import FakeRealtimeServer, RealtimeScript, ScriptedTurn
from tests.processors.s2s.s2s_helpers import utterance

pytestmark = pytest.mark.anyio

MS_100 = bytes(4800)


@pytest.fixture
async def server() -> AsyncIterator[FakeRealtimeServer]:
    async with FakeRealtimeServer(
        RealtimeScript([ScriptedTurn(reply="Yes.")]), max_event_bytes=64 * 1024
    ) as srv:
        yield srv


async def client(server: FakeRealtimeServer, *, beta: bool = False) -> ClientConnection:
    headers = {"OpenAI-Beta": "realtime=v1"} if beta else {}
    ws = await connect(f"{server.url}?model=gpt-realtime", additional_headers=headers, max_size=None)
    created = json.loads(await ws.recv())
    assert created["type"] == "session.created"
    return ws


async def until(ws: ClientConnection, kind: str) -> dict[str, Any]:
    """Read server events until one of type `kind`."""
    while True:
        event: dict[str, Any] = json.loads(await ws.recv())
        if event["type"] == kind:
            return event


def append(audio: bytes) -> dict[str, Any]:
    return {"type": "input_audio_buffer.append", "audio": base64.b64encode(audio).decode()}


def ga_update(**session: Any) -> dict[str, Any]:
    return {"type": "session.update", "session": {"type": "realtime", **session}}


def audio_in(**fields: Any) -> dict[str, Any]:
    return {"input": fields}


TRUNCATE_X = {
    "type": "conversation.item.truncate",
    "item_id": "item_x",
    "content_index": 0,
    "audio_end_ms": 0,
}
OUTPUT_X = {"type": "function_call_output", "call_id": "nope", "output": "{}"}
REFUSED = [
    ("pcm_at_16k", ga_update(audio=audio_in(format={"type": "audio/pcm", "rate": 16000})), "invalid_value"),
    (
        "pcm_without_rate",
        ga_update(audio={"output": {"format": {"type": "audio/pcm"}}}),
        "missing_required_parameter",
    ),
    ("unknown_format", ga_update(audio=audio_in(format={"type": "audio/opus"})), "invalid_value"),
    ("beta_field_in_ga", ga_update(input_audio_format="pcm16"), "unknown_parameter"),
    (
        "ga_without_type",
        {"type": "session.update", "session": {"instructions": "hi"}},
        "missing_required_parameter",
    ),
    ("unknown_voice", ga_update(audio={"output": {"voice": "robot"}}), "invalid_value"),
    ("audio_not_base64", {"type": "input_audio_buffer.append", "audio": "@@@"}, "invalid_value"),
    ("half_a_sample", append(b"\x00"), "invalid_value"),
    ("commit_of_nothing", {"type": "input_audio_buffer.commit"}, "input_audio_buffer_commit_empty"),
    ("cancel_with_nothing_active", {"type": "response.cancel"}, "response_cancel_not_active"),
    ("unknown_event_type", {"type": "conversation.do_magic"}, "invalid_value"),
    ("output_for_unknown_call", {"type": "conversation.item.create", "item": OUTPUT_X}, "invalid_value"),
    ("truncate_unknown_item", TRUNCATE_X, "invalid_value"),
    ("oversize_event", append(bytes(100 * 1024)), "invalid_request_error"),
]


@pytest.mark.parametrize(("name", "event", "code"), REFUSED, ids=[r[0] for r in REFUSED])
async def test_the_fake_refuses_what_the_service_refuses(
    server: FakeRealtimeServer, name: str, event: dict[str, Any], code: str
) -> None:
    async with await client(server) as ws:
        await ws.send(json.dumps({**event, "event_id": "evt_1"}))
        error = (await until(ws, "error"))["error"]
    assert (error["code"], error["event_id"]) == (code, None if name == "oversize_event" else "evt_1")


async def test_response_create_during_an_active_response_is_refused(server: FakeRealtimeServer) -> None:
    async with await client(server) as ws:
        await ws.send(json.dumps({"type": "response.create"}))
        await until(ws, "response.created")
        await ws.send(json.dumps({"type": "response.create"}))
        error = (await until(ws, "error"))["error"]
    assert error["code"] == "conversation_already_has_active_response"


async def test_truncate_beyond_the_items_audio_is_refused(server: FakeRealtimeServer) -> None:
    async with await client(server) as ws:
        await ws.send(json.dumps({"type": "response.create"}))
        item_id = (await until(ws, "response.output_item.added"))["item"]["id"]
        await until(ws, "response.done")
        audio_ms = server.connections[0].conversation.items[item_id].audio_ms
        too_far = {**TRUNCATE_X, "item_id": item_id, "audio_end_ms": audio_ms + 1}
        await ws.send(json.dumps(too_far))
        error = (await until(ws, "error"))["error"]
        await ws.send(json.dumps({**too_far, "audio_end_ms": audio_ms // 2}))
        truncated = await until(ws, "conversation.item.truncated")
    assert (error["code"], error["param"]) == ("invalid_value", "audio_end_ms")
    assert truncated["audio_end_ms"] == audio_ms // 2


async def test_cancel_stops_the_stream_with_a_cancelled_response(server: FakeRealtimeServer) -> None:
    async with await client(server) as ws:
        await ws.send(json.dumps({"type": "response.create"}))
        await until(ws, "response.created")
        await ws.send(json.dumps({"type": "response.cancel"}))
        done = (await until(ws, "response.done"))["response"]
    assert (done["status"], done["status_details"]["reason"]) == ("cancelled", "client_cancelled")


async def test_server_vad_reports_speech_commits_and_answers_by_itself(server: FakeRealtimeServer) -> None:
    async with await client(server) as ws:
        pcm = utterance("hello there")
        for i in range(0, len(pcm), 9600):
            await ws.send(json.dumps(append(pcm[i : i + 9600])))
        started = await until(ws, "input_audio_buffer.speech_started")
        stopped = await until(ws, "input_audio_buffer.speech_stopped")
        await until(ws, "input_audio_buffer.committed")
        await until(ws, "response.output_audio.delta")
    assert 0 <= started["audio_start_ms"] < stopped["audio_end_ms"] < len(pcm) * 1000 // 48000


async def test_manual_turns_commit_at_least_100_ms(server: FakeRealtimeServer) -> None:
    async with await client(server) as ws:
        await ws.send(json.dumps(ga_update(audio=audio_in(turn_detection=None))))
        await until(ws, "session.updated")
        await ws.send(json.dumps(append(MS_100)))
        await ws.send(json.dumps({"type": "input_audio_buffer.commit"}))
        committed = await until(ws, "input_audio_buffer.committed")
    assert committed["item_id"]


async def test_beta_sessions_use_beta_event_names(server: FakeRealtimeServer) -> None:
    async with await client(server, beta=True) as ws:
        await ws.send(json.dumps({"type": "session.update", "session": {"input_audio_format": "g711_ulaw"}}))
        updated = await until(ws, "session.updated")
        await ws.send(json.dumps({"type": "response.create"}))
        delta = await until(ws, "response.audio.delta")
    assert updated["session"]["input_audio_format"] == "g711_ulaw"
    assert base64.b64decode(delta["delta"])


async def test_a_wrong_api_key_gets_http_401() -> None:
    async with FakeRealtimeServer(api_key="sk-right") as srv:
        with pytest.raises(InvalidStatus) as info:
            await connect(
                f"{srv.url}?model=gpt-realtime", additional_headers={"Authorization": "Bearer sk-wrong"}
            )
    assert info.value.response.status_code == 401
