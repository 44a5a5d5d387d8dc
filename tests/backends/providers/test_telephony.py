"""The `twilio` backend: a Twilio Media Streams call is routed by the telephony hook from its
custom parameters, and its key presses reach the hook (real protocol over 127.0.0.1)."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET

import httpx
import pytest
from websockets.protocol import State

from tests.backends.test_processor_slots import SpeechToSpeech
from tests.fakes.twilio_client import twilio_call
from tests.fakes.twilio_rest import FakeTwilioRest
from tests.transports.nodes import EnergyGate, ToneBot, silence, tone
from voicegraph.backends.hooks import CallRoute, ConnectRequest, Hooks, TelephonyHook
from voicegraph.backends.providers import create_backend
from voicegraph.framework import Graph
from voicegraph.framework.formats import AudioFormat
from voicegraph.framework.frames import EndCallFrame

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]
PCM8K = AudioFormat(8000)


class Switchboard(TelephonyHook):
    """Routes calls by the `line` parameter, refuses line 9, records key presses."""

    def __init__(self) -> None:
        self.calls: list[ConnectRequest] = []
        self.keys: list[str] = []
        self.pressed = asyncio.Event()

    async def route(self, request: ConnectRequest) -> CallRoute:
        self.calls.append(request)
        if request.params.get("line") == "9":
            return CallRoute(accept=False, reason="line closed")
        return CallRoute(metadata={"line": request.params.get("line", "0"), "call": request.call_id})

    async def on_dtmf(self, session_id: str, digit: str) -> None:
        self.keys.append(digit)
        if len(self.keys) == 2:
            self.pressed.set()


def call_graph(conn: object) -> Graph:
    return Graph.chain(conn.input(), SpeechToSpeech(), conn.output())  # type: ignore[attr-defined]


async def test_a_twilio_call_is_routed_and_its_key_presses_reach_the_hook() -> None:
    board = Switchboard()
    backend = create_backend("twilio", call_graph, options={"port": 0}, hooks=Hooks(telephony=board))
    async with backend:
        async with twilio_call(backend.transport.url + "/stream", params={"line": "3"}) as call:
            await call.wait_for(lambda: len(backend.manager.live) == 1)
            for digit in "7*":
                await call.press(digit)
            async with asyncio.timeout(5):
                await board.pressed.wait()
            session = backend.manager.list()[0]
            await call.hang_up()
    assert board.keys == ["7", "*"]
    assert session.metadata["line"] == "3"
    assert session.metadata["call"] == board.calls[0].call_id != ""


async def test_a_call_the_hook_refuses_never_starts_a_session() -> None:
    board = Switchboard()
    backend = create_backend("twilio", call_graph, options={"port": 0}, hooks=Hooks(telephony=board))
    async with backend:
        async with twilio_call(backend.transport.url + "/stream", params={"line": "9"}) as call:
            async with asyncio.timeout(5):
                await call.ws.wait_closed()
    assert call.ws.close_code == 4403
    assert "line closed" in str(call.ws.close_reason)
    assert len(board.calls) == 1


def goodbye_graph(conn: object) -> Graph:
    bot = ToneBot(reply_ms=300, after={1: EndCallFrame(reason="done")})
    return Graph.chain(conn.input(), EnergyGate(), bot, conn.output())  # type: ignore[attr-defined]


async def test_a_twilio_backend_with_credentials_hangs_up_through_the_rest_api() -> None:
    async with FakeTwilioRest() as api:
        options = {
            "port": 0, "account_sid": api.account_sid, "auth_token": api.auth_token,
            "api_base_url": api.base_url,
        }  # fmt: skip
        async with create_backend("twilio", goodbye_graph, options=options) as backend:
            async with twilio_call(backend.transport.url + "/stream") as call:
                api.live_calls.add(call.call_sid)
                await call.say(tone(300, fmt=PCM8K) + silence(300, fmt=PCM8K))
                await call.wait_for(lambda: call.ws.state is State.CLOSED, timeout=10)
    assert api.updates == [(call.call_sid, {"Status": "completed"})]
    assert call.played_s >= 0.3 - 0.02


async def test_the_callers_number_from_the_webhook_reaches_the_telephony_hook() -> None:
    board = Switchboard()
    options = {"port": 0, "twiml_port": 0}
    backend = create_backend("twilio", call_graph, options=options, hooks=Hooks(telephony=board))
    async with backend:
        twiml = backend.transport.twiml_server
        assert twiml is not None
        webhook = {"CallSid": "CA" + "2" * 32, "From": "+15550003333", "To": "+15550004444"}
        async with httpx.AsyncClient() as http:  # Twilio's default: POST with a form body
            answer = await http.post(f"http://127.0.0.1:{twiml.port}/twiml", data=webhook)
        stream = ET.fromstring(answer.text).find("./Connect/Stream")
        assert stream is not None
        params = {p.get("name", ""): p.get("value", "") for p in stream}
        async with twilio_call(backend.transport.url + "/stream", params=params) as call:
            await call.wait_for(lambda: len(backend.manager.live) == 1)
            await call.hang_up()
    (request,) = board.calls
    assert (request.params["from"], request.params["to"]) == ("+15550003333", "+15550004444")
