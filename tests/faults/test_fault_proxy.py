"""The fault proxies themselves: seeded schedules, counters, and each fault as a peer sees it."""

from __future__ import annotations

import asyncio
import json

import anyio
import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from voicegraph.framework import ErrorCode, VoiceError
from voicegraph.testing import (
    Fault,
    FaultProxy,
    FaultRule,
    FaultSchedule,
    HttpFaultProxy,
    WebSocketFaultProxy,
)

from .servers import tcp_echo, ws_echo, ws_refusing

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(30)]


def at(operation: str, fault: Fault, *counts: int) -> FaultSchedule:
    return FaultSchedule(rules=(FaultRule(operation=operation, fault=fault, at=counts),), delay_s=0.05)


async def roundtrip(port: int, payload: bytes) -> bytes:
    """Send `payload`, half-close, read everything back until EOF or reset."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    got = b""
    try:
        writer.write(payload)
        await writer.drain()
        writer.write_eof()
        with anyio.fail_after(5):
            while data := await reader.read(65536):
                got += data
    except ConnectionError:
        pass
    finally:
        writer.close()
    return got


def test_same_seed_gives_the_same_faults() -> None:
    def run(seed: int) -> list[Fault | None]:
        s = FaultSchedule.uniform(0.3, {"chunk": (Fault.DROP, Fault.DELAY)}, seed=seed)
        return [s.decide("chunk", ">") for _ in range(200)]

    assert run(1) == run(1)
    assert run(1) != run(2)
    assert 20 < sum(f is not None for f in run(1)) < 100


def test_explicit_rules_fire_at_their_counts_and_are_counted() -> None:
    s = at("request", Fault.STATUS_500, 2, 4)
    got = [s.decide("request") for _ in range(5)]
    assert got == [None, Fault.STATUS_500, None, Fault.STATUS_500, None]
    assert s.injected == {"request:500": 2} and s.seen["request"] == 5 and s.total_injected == 2


def test_direction_rules_only_match_their_direction() -> None:
    s = at("message<", Fault.DROP, 1)
    assert s.decide("message", ">") is None
    assert s.decide("message", "<") is Fault.DROP


def test_a_host_that_is_not_loopback_is_refused() -> None:
    with pytest.raises(VoiceError) as err:
        FaultProxy(80, upstream_host="10.0.0.1")
    assert err.value.code is ErrorCode.INVALID_CONFIG
    with pytest.raises(VoiceError):
        WebSocketFaultProxy("ws://example.com:80")
    with pytest.raises(VoiceError):
        FaultProxy(80, host="0.0.0.0")


async def test_without_faults_bytes_pass_unchanged() -> None:
    payload = bytes(range(256)) * 1000
    async with tcp_echo() as port, FaultProxy(port) as proxy:
        assert await roundtrip(proxy.port, payload) == payload
    assert proxy.schedule.total_injected == 0 and proxy.accepted == 1


async def test_a_refused_connect_never_reaches_the_server() -> None:
    async with tcp_echo() as port, FaultProxy(port, schedule=at("connect", Fault.REFUSE, 1)) as proxy:
        assert await roundtrip(proxy.port, b"hello") == b""
        assert await roundtrip(proxy.port, b"hello") == b"hello"
    assert proxy.schedule.injected == {"connect:refuse": 1}


async def test_a_dropped_chunk_cuts_the_connection() -> None:
    async with tcp_echo() as port, FaultProxy(port, schedule=at("chunk<", Fault.DROP, 1)) as proxy:
        assert await roundtrip(proxy.port, b"x" * 100) == b""
    assert proxy.schedule.injected == {"chunk:drop": 1}


async def test_a_truncated_chunk_delivers_half_then_cuts() -> None:
    async with tcp_echo() as port, FaultProxy(port, schedule=at("chunk<", Fault.TRUNCATE, 1)) as proxy:
        assert await roundtrip(proxy.port, b"y" * 100) == b"y" * 50


async def test_cut_all_drops_every_open_connection() -> None:
    async with tcp_echo() as port, FaultProxy(port) as proxy:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(b"ping")
        assert await reader.read(4) == b"ping"
        assert proxy.cut_all() == 2
        with anyio.fail_after(5):
            try:
                assert await reader.read(10) == b""
            except ConnectionError:
                pass
        writer.close()


async def test_http_status_faults_answer_without_the_server() -> None:
    hits = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal hits
        hits += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    schedule = FaultSchedule(
        rules=(
            FaultRule(operation="request", fault=Fault.STATUS_429, at=(1,)),
            FaultRule(operation="request", fault=Fault.STATUS_503, at=(2,)),
        )
    )
    async with HttpFaultProxy(port, schedule=schedule) as proxy, httpx.AsyncClient() as client:
        url = f"http://127.0.0.1:{proxy.port}/v1/chat"
        first = await client.post(url, json={"a": 1})
        second = await client.post(url, json={"a": 2})
        third = await client.post(url, json={"a": 3})
    server.close()
    assert (first.status_code, first.headers["retry-after"]) == (429, "0")
    assert json.loads(second.content)["error"]["type"] == "server_error" and second.status_code == 503
    assert (third.status_code, third.text, hits) == (200, "ok", 1)


async def test_websocket_messages_are_dropped_reordered_and_truncated() -> None:
    schedule = FaultSchedule(
        rules=(
            FaultRule(operation="message>", fault=Fault.DROP, at=(1,)),
            FaultRule(operation="message>", fault=Fault.REORDER, at=(2,)),
            FaultRule(operation="message>", fault=Fault.TRUNCATE, at=(4,)),
        )
    )
    async with ws_echo() as url, WebSocketFaultProxy(url, schedule=schedule) as proxy:
        async with connect(proxy.url) as ws:
            for text in ("one", "two", "three", "four!!"):
                await ws.send(text)
            with anyio.fail_after(5):
                got = [await ws.recv() for _ in range(3)]
    assert got == ["three", "two", "fou"]
    assert proxy.schedule.injected == {"message:drop": 1, "message:reorder": 1, "message:truncate": 1}


async def test_websocket_close_fault_cuts_without_a_close_frame() -> None:
    async with ws_echo() as url, WebSocketFaultProxy(url, schedule=at("message<", Fault.CLOSE, 2)) as proxy:
        async with connect(proxy.url) as ws:
            await ws.send("a")
            assert await ws.recv() == "a"
            await ws.send("b")
            with anyio.fail_after(5), pytest.raises(ConnectionClosed):
                await ws.recv()
    assert ws.close_code == 1006


async def test_websocket_refused_handshake_is_a_503() -> None:
    async with ws_echo() as url, WebSocketFaultProxy(url, schedule=at("connect", Fault.REFUSE, 1)) as proxy:
        with pytest.raises(InvalidStatus) as err:
            async with connect(proxy.url):
                pass
        assert err.value.response.status_code == 503
        async with connect(proxy.url) as ws:
            await ws.send("ok")
            assert await ws.recv() == "ok"


async def test_websocket_close_codes_other_than_1000_are_passed_on() -> None:
    async with ws_refusing() as url, WebSocketFaultProxy(url) as proxy, connect(proxy.url) as ws:
        await ws.send("hello")
        with anyio.fail_after(5), pytest.raises(ConnectionClosed):
            await ws.recv()
    assert (ws.close_code, ws.close_reason) == (4400, "bad message")
