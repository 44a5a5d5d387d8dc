"""WebSocketTransport with the raw PCM protocol, over 127.0.0.1: lifecycle, errors, resume."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import anyio
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from voicegraph.framework import ErrorCode, Graph, VoiceError
from voicegraph.transports.connection import Connection

from .nodes import tone
from .ws_helpers import serving

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(30)]

FRAME = 640  # 20 ms of 16 kHz s16


async def start(ws: ClientConnection, **fields: Any) -> dict[str, Any]:
    await ws.send(json.dumps({"type": "start", "sample_rate": 16000, **fields}))
    reply = json.loads(await ws.recv())
    assert isinstance(reply, dict)
    return reply


async def collect(ws: ClientConnection) -> tuple[bytes, list[dict[str, Any]]]:
    """Everything the server sends until it closes: audio bytes and JSON messages."""
    audio, messages = bytearray(), []
    try:
        async for msg in ws:
            if isinstance(msg, bytes):
                audio += msg
            else:
                messages.append(json.loads(msg))
    except ConnectionClosed:
        pass
    return bytes(audio), messages


async def send_audio(ws: ClientConnection, audio: bytes, *, paced: bool = False) -> None:
    for i in range(0, len(audio), FRAME):
        await ws.send(audio[i : i + FRAME])
        if paced:
            await anyio.sleep(0.02)


async def test_raw_pcm_round_trip_echoes_audio_and_ends_cleanly() -> None:
    audio = tone(400)
    async with serving() as t, connect(t.url) as ws:
        started = await start(ws)
        await send_audio(ws, audio)
        await ws.send(json.dumps({"type": "end"}))
        got, messages = await collect(ws)
    assert started["type"] == "started" and started["sample_rate"] == 16000
    assert got == audio
    assert [m["type"] for m in messages] == ["bot_started_speaking", "bot_stopped_speaking", "end"]
    assert ws.close_code == 1000


async def test_unsupported_encoding_is_refused_as_not_negotiated() -> None:
    async with serving() as t, connect(t.url) as ws:
        reply = await start(ws, encoding="opus")
        await collect(ws)
    assert reply == {"type": "error", "code": "not_negotiated", "message": reply["message"]}
    assert ws.close_code == 4415


async def test_client_that_never_starts_is_closed_with_the_timeout_code() -> None:
    async with serving(start_timeout_s=0.2) as t, connect(t.url) as ws:
        _, messages = await collect(ws)
    assert [m["code"] for m in messages] == ["timeout"]
    assert ws.close_code == 4408


async def test_audio_before_start_is_refused_as_a_protocol_error() -> None:
    async with serving() as t, connect(t.url) as ws:
        await ws.send(bytes(FRAME))
        _, messages = await collect(ws)
    assert [m["code"] for m in messages] == ["protocol_error"]
    assert ws.close_code == 4400


async def test_bad_messages_get_coded_errors_and_the_session_goes_on() -> None:
    audio = tone(100)
    async with serving() as t, connect(t.url) as ws:
        await start(ws)
        for bad in ("not json", json.dumps({"type": "bogus"}), json.dumps([1]), b"\x00\x01\x02"):
            await ws.send(bad)
        await send_audio(ws, audio)
        await ws.send(json.dumps({"type": "end"}))
        got, messages = await collect(ws)
    errors = [m["code"] for m in messages if m["type"] == "error"]
    assert errors == ["protocol_error", "protocol_error", "protocol_error", "invalid_input"]
    assert got == audio and ws.close_code == 1000


async def test_too_many_bad_messages_close_the_socket() -> None:
    async with serving(max_bad_messages=3) as t, connect(t.url) as ws:
        await start(ws)
        for _ in range(3):
            await ws.send("{")
        await collect(ws)
    assert ws.close_code == 4400


async def test_typed_text_comes_back_as_a_transcript_event() -> None:
    async with serving() as t, connect(t.url) as ws:
        await start(ws)
        await ws.send(json.dumps({"type": "text", "text": "hello there"}))
        await ws.send(json.dumps({"type": "end"}))
        _, messages = await collect(ws)
    assert {"type": "transcript", "text": "hello there", "final": True} in messages


async def test_client_interrupt_clears_the_bot_audio_at_once() -> None:
    before = bytearray()
    async with serving() as t, connect(t.url) as ws, anyio.create_task_group() as tg:
        await start(ws)
        tg.start_soon(lambda: send_audio(ws, tone(1000), paced=True))
        while len(before) < 10 * FRAME:
            msg = await ws.recv()
            before += msg if isinstance(msg, bytes) else b""
        await ws.send(json.dumps({"type": "interrupt"}))
        with anyio.fail_after(1):
            while (msg := await ws.recv()) != '{"type":"clear"}':
                before += msg if isinstance(msg, bytes) else b""
        tg.cancel_scope.cancel()
    assert 10 * FRAME <= len(before) <= 13 * FRAME  # at most a few chunks in flight


async def test_bad_clients_do_not_disturb_a_concurrent_good_client() -> None:
    audio = tone(1000)
    results: dict[str, Any] = {}

    async def good(url: str) -> None:
        async with connect(url) as ws:
            await start(ws)
            await send_audio(ws, audio, paced=True)
            await ws.send(json.dumps({"type": "end"}))
            results["good"] = await collect(ws)

    async def oversize(url: str) -> None:
        async with connect(url, max_size=None) as ws:
            await start(ws)
            await ws.send(bytes(200_000))
            await collect(ws)
            results["oversize"] = ws.close_code

    async def garbage(port: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"\x16\x03\x01 definitely not HTTP\r\n\r\n")
        await writer.drain()
        with anyio.fail_after(5):
            results["garbage"] = await reader.read(4096)
        writer.close()
        await writer.wait_closed()

    async def junk(url: str) -> None:
        async with connect(url) as ws:
            await start(ws)
            for i in range(20):
                await ws.send(json.dumps({"type": "start", "sample_rate": i}) if i % 2 else bytes([i]) * 3)
            results["junk"] = (await collect(ws))[1], ws.close_code

    async with serving() as t:
        async with anyio.create_task_group() as tg:
            tg.start_soon(good, t.url)
            tg.start_soon(oversize, t.url)
            tg.start_soon(garbage, t.port)
            tg.start_soon(junk, t.url)
        async with connect(t.url) as ws:  # still serving
            assert (await start(ws))["type"] == "started"
    assert results["good"][0] == audio
    assert results["oversize"] == 1009
    assert results["garbage"] == b"" or results["garbage"].startswith(b"HTTP/1.1 4")  # refused, closed
    junk_errors, junk_close = results["junk"]
    assert {m["code"] for m in junk_errors} == {"protocol_error", "invalid_input"}
    assert junk_close == 4400


async def test_dropped_client_resumes_the_same_session_within_the_grace_period() -> None:
    async with serving(resume_grace_s=3.0) as t:
        async with connect(t.url) as ws:
            first = await start(ws)
            ws.transport.abort()
        await anyio.sleep(0.2)
        assert first["session_id"] in t.sessions
        async with connect(t.url) as ws:
            again = await start(ws, resume_token=first["resume_token"])
            await send_audio(ws, tone(100))
            await ws.send(json.dumps({"type": "end"}))
            got, messages = await collect(ws)
    assert again["resumed"] and again["session_id"] == first["session_id"]
    assert got == tone(100) and messages[-1] == {"type": "end"}


async def test_unknown_resume_token_is_refused_as_session_not_found() -> None:
    async with serving(resume_grace_s=1.0) as t, connect(t.url) as ws:
        reply = await start(ws, resume_token="nope")
        await collect(ws)
    assert reply["code"] == "session_not_found" and ws.close_code == 4404


async def test_dropped_client_without_resume_ends_its_session() -> None:
    async with serving() as t:
        async with connect(t.url) as ws:
            await start(ws)
            await send_audio(ws, tone(500))
            ws.transport.abort()
        with anyio.fail_after(3):
            while t.sessions:  # noqa: ASYNC110 - polling a plain dict
                await anyio.sleep(0.02)


async def test_failing_graph_factory_closes_with_its_code_and_the_server_goes_on() -> None:
    def broken(conn: Connection) -> Graph:
        raise VoiceError(ErrorCode.INVALID_CONFIG, "no graph today")

    async with serving(broken) as t:
        for _ in range(2):
            async with connect(t.url) as ws:
                await start(ws)
                _, messages = await collect(ws)
            assert [m["code"] for m in messages] == ["invalid_config"]
            assert ws.close_code == 4500


async def test_stopping_the_server_ends_live_sessions_and_closes_their_sockets() -> None:
    async with serving(resume_grace_s=10.0) as t, connect(t.url) as ws:
        await start(ws)
        await send_audio(ws, tone(200))
        with anyio.fail_after(3):
            await t.stop()
        await collect(ws)
        assert not t.sessions
    assert ws.close_code in (1000, 1001)
