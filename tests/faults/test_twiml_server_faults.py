"""Our HTTP server (TwiML webhook, WebRTC signalling) with Twilio-like clients behind the TCP fault proxy.

Faults on the client side of a server we run: requests cut half-way, answers lost, a
client that stalls mid-request. The server answers or closes each within its deadlines,
keeps no connection behind, and serves the next request.
"""

from __future__ import annotations

import anyio
import httpx
import pytest

from voicegraph.testing import Fault, FaultProxy, FaultRule, FaultSchedule
from voicegraph.transports.twiml_server import TwimlServer

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(30)]

FORM = {"CallSid": "CA" + "0" * 32, "From": "+15550001111", "To": "+15550002222"}


async def webhook(port: int) -> httpx.Response:
    async with httpx.AsyncClient(timeout=5.0) as client:
        return await client.post(f"http://127.0.0.1:{port}/twiml", data=FORM)


async def outcome(port: int) -> int | str:
    """The status of one webhook call, or "cut" when the connection broke."""
    try:
        return (await webhook(port)).status_code
    except httpx.HTTPError:
        return "cut"


@pytest.mark.parametrize("fault", [Fault.TRUNCATE, Fault.DROP, Fault.STALL])
async def test_a_broken_webhook_request_leaves_nothing_behind_and_the_next_is_served(fault: Fault) -> None:
    server = TwimlServer("wss://voice.example.com/stream")
    server._http.read_timeout_s = 0.5  # a stalled client is timed out quickly here
    await server.start()
    try:
        schedule = FaultSchedule(rules=(FaultRule(operation="chunk>", fault=fault, at=(1,)),), stall_s=3.0)
        async with FaultProxy(server.port, schedule=schedule) as proxy:
            with anyio.fail_after(10):
                first = await outcome(proxy.port)
            answer = await webhook(proxy.port)
        with anyio.fail_after(5):
            while server._http.connections:  # noqa: ASYNC110 - polling the server's count
                await anyio.sleep(0.02)
    finally:
        await server.stop()
    # a stalled client is answered 408 (the server's read deadline); a cut one just ends
    assert first == (408 if fault is Fault.STALL else "cut")
    assert answer.status_code == 200 and b"<Stream" in answer.content
    assert schedule.injected == {f"chunk:{fault}": 1}
