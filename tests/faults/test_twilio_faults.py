"""Twilio Media Streams (the fake Twilio client) through the fault proxies: no hang, no leftover session."""

from __future__ import annotations

import contextlib
import json

import anyio
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.fakes.twilio_client import twilio_call
from voicegraph.testing import Fault, FaultRule, FaultSchedule, WebSocketFaultProxy
from voicegraph.transports.twilio_serializer import TwilioSerializer
from voicegraph.transports.websocket_transport import WebSocketTransport

from .twilio_calls import echo_graph, echo_twilio_call_recovery, heard_back, sessions_gone

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]


async def test_a_dropped_stream_ends_its_session_and_a_new_stream_is_served() -> None:
    got = await echo_twilio_call_recovery(3)
    assert (got["dropped_session_ended"], got["new_stream_served"], got["sessions_left_running"]) == (3, 3, 0)


async def test_lost_and_delayed_caller_media_do_not_stop_the_call() -> None:
    # Caller messages: 1 connected, 2 start, then media every 20 ms.
    rules = ((4, Fault.DROP), (6, Fault.DELAY), (9, Fault.DROP), (11, Fault.TRUNCATE))
    schedule = FaultSchedule(
        rules=tuple(FaultRule(operation="message>", fault=f, at=(n,)) for n, f in rules), delay_s=0.2
    )
    async with (
        WebSocketTransport(echo_graph, serializer=TwilioSerializer) as transport,
        WebSocketFaultProxy(f"ws://127.0.0.1:{transport.port}", schedule=schedule) as proxy,
        twilio_call(proxy.url + "/stream") as call,
    ):
        assert await heard_back(call, 400.0)
        await call.hang_up()
        assert await sessions_gone(transport, set(transport.sessions))
    assert schedule.injected == {"message:drop": 2, "message:delay": 1, "message:truncate": 1}


async def test_a_stream_whose_start_is_lost_is_closed_with_the_timeout_code() -> None:
    async with (
        WebSocketTransport(echo_graph, serializer=TwilioSerializer, start_timeout_s=0.5) as transport,
        WebSocketFaultProxy(f"ws://127.0.0.1:{transport.port}") as proxy,
    ):
        proxy.schedule.rules = (FaultRule(operation="message>", fault=Fault.DROP, at=(1, 2)),)
        async with connect(proxy.url + "/stream") as ws:
            await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
            await ws.send(json.dumps({"event": "start", "streamSid": "MZ" + "0" * 32, "start": {}}))
            with anyio.fail_after(5), contextlib.suppress(ConnectionClosed):
                async for _ in ws:
                    pass
        assert not transport.sessions
    assert ws.close_code == 4408


async def test_a_garbled_start_is_refused_with_a_close_code_and_the_server_goes_on() -> None:
    async with (
        WebSocketTransport(echo_graph, serializer=TwilioSerializer) as transport,
        WebSocketFaultProxy(f"ws://127.0.0.1:{transport.port}") as proxy,
    ):
        proxy.schedule.inject_next("message>", Fault.TRUNCATE)
        async with connect(proxy.url + "/stream") as ws:
            await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
            with anyio.fail_after(5), contextlib.suppress(ConnectionClosed):
                async for _ in ws:
                    pass
        assert ws.close_code == 4400
        async with twilio_call(proxy.url + "/stream") as call:
            assert await heard_back(call)
            await call.hang_up()
