"""The `twilio` backend: a Twilio Media Streams call is routed by the telephony hook from its
custom parameters, and its key presses reach the hook (real protocol over 127.0.0.1)."""

from __future__ import annotations

import asyncio

import pytest

from tests.fakes.twilio_client import twilio_call
from voicegraph.framework import Graph
from voicegraph.framework.hooks import CallRoute, ConnectRequest, Hooks, TelephonyHook
from voicegraph.graphs.backends import create_backend

from .test_processor_slots import SpeechToSpeech

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]


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
