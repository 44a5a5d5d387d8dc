"""WebSocketTransport served through the fault proxies: clients recover, or get a coded error; none hang."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator

import anyio
import pytest
from websockets.asyncio.client import connect

from voicegraph.testing import Fault, FaultProxy, FaultRule, FaultSchedule, WebSocketFaultProxy
from voicegraph.transports.websocket_transport import WebSocketTransport

from .ws_calls import WORDS, RecordingRunner, SimulatedCall

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(90)]


@contextlib.asynccontextmanager
async def served(
    schedule: FaultSchedule, *, grace_s: float = 5.0
) -> AsyncIterator[tuple[WebSocketTransport, WebSocketFaultProxy, RecordingRunner]]:
    runner = RecordingRunner()
    async with (
        WebSocketTransport(session_runner=runner, resume_grace_s=grace_s) as transport,
        WebSocketFaultProxy(f"ws://127.0.0.1:{transport.port}", schedule=schedule) as proxy,
    ):
        yield transport, proxy, runner


def at(*items: tuple[str, Fault, tuple[int, ...]]) -> FaultSchedule:
    return FaultSchedule(rules=tuple(FaultRule(operation=o, fault=f, at=n) for o, f, n in items), stall_s=4.0)


async def test_a_clean_call_through_the_proxy_answers_every_turn() -> None:
    async with served(FaultSchedule()) as (_, proxy, _runner):
        call = SimulatedCall(proxy.url)
        for word in WORDS[:3]:
            assert await call.ask(word)
        await call.hang_up()
    assert (call.answered, call.reconnects, proxy.schedule.total_injected) == (3, 0, 0)


async def test_a_mid_call_drop_resumes_the_same_session_and_the_turn_is_answered() -> None:
    async with served(at(("message<", Fault.CLOSE, (5,)))) as (_transport, proxy, _):
        call = SimulatedCall(proxy.url)
        assert await call.ask("apple")
        assert await call.ask("river")
        await call.hang_up()
    assert proxy.schedule.injected == {"message:close": 1}
    assert (call.reconnects, call.resumed, len(call.session_ids)) == (1, 1, 1)


async def test_a_truncated_client_message_gets_a_coded_error_and_the_resent_turn_is_answered() -> None:
    async with served(at(("message>", Fault.TRUNCATE, (2,)))) as (_, proxy, runner):
        call = SimulatedCall(proxy.url)
        assert await call.ask("garden")
        await call.hang_up()
    assert call.server_errors == ["protocol_error"]
    assert call.reconnects == 0
    assert runner.records == {call.session_ids[0]: ["protocol_error"]}  # on the session's bus too


async def test_lost_messages_either_way_are_recovered_by_resending_within_the_bound() -> None:
    schedule = at(("message>", Fault.DROP, (2,)), ("message<", Fault.STALL, (3,)))
    async with served(schedule) as (_, proxy, _):
        call = SimulatedCall(proxy.url, attempt_s=1.5)
        with anyio.fail_after(call.turn_bound_s + 2):
            assert await call.ask("yellow")
            assert await call.ask("window")
        await call.hang_up()
    assert proxy.schedule.total_injected == 2


async def test_a_refused_reconnect_is_retried_until_the_server_is_reachable() -> None:
    schedule = at(("message<", Fault.CLOSE, (4,)), ("connect", Fault.REFUSE, (2, 3)))
    async with served(schedule) as (_, proxy, _):
        call = SimulatedCall(proxy.url)
        assert await call.ask("silver")
        assert await call.ask("market")
    assert proxy.schedule.injected["connect:refuse"] == 2 and call.resumed == 1


async def test_a_client_cut_mid_handshake_at_tcp_level_leaves_no_session_behind() -> None:
    schedule = FaultSchedule(rules=(FaultRule(operation="chunk>", fault=Fault.TRUNCATE, at=(1,)),))
    async with WebSocketTransport(session_runner=RecordingRunner()) as transport:
        async with FaultProxy(transport.port, schedule=schedule) as tcp:
            with pytest.raises(Exception):  # noqa: B017 - any handshake failure is fine
                async with connect(f"ws://127.0.0.1:{tcp.port}", open_timeout=3):
                    pass
            async with connect(f"ws://127.0.0.1:{tcp.port}") as ws:
                await ws.send(json.dumps({"type": "start", "sample_rate": 16000}))
                assert json.loads(await ws.recv())["type"] == "started"
        with anyio.fail_after(5):
            while transport.sessions:  # noqa: ASYNC110 - polling a plain dict
                await anyio.sleep(0.02)


async def test_a_session_whose_client_never_comes_back_ends_within_the_grace() -> None:
    async with served(FaultSchedule(), grace_s=0.5) as (transport, proxy, runner):
        call = SimulatedCall(proxy.url)
        assert await call.ask("forest")
        proxy.cut_all()
        with anyio.fail_after(5):
            while transport.sessions:  # noqa: ASYNC110 - polling a plain dict
                await anyio.sleep(0.02)
    assert list(runner.records) == call.session_ids


async def test_forced_drops_are_each_resumed_into_the_same_session() -> None:
    async with served(FaultSchedule()) as (_, proxy, runner):
        call = SimulatedCall(proxy.url)
        assert await call.ask(WORDS[0])
        for word in WORDS[1:4]:
            assert proxy.cut_all() == 1
            assert await call.recover()
            assert await call.ask(word)
        await call.hang_up()
    assert (call.resumed, len(call.session_ids), len(runner.records)) == (3, 1, 1)
