"""Bad signalling gets coded JSON errors over HTTP, and never harms the server (127.0.0.1).

No offer here reaches a peer connection: each is refused before one is made, so nothing
gathers ICE candidates in this (non-namespaced) process.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.transports.nodes import Echo
from voicegraph.framework import ErrorCode, Graph, VoiceError
from voicegraph.transports.connection import Connection
from voicegraph.transports.webrtc import HttpRequest, WebRTCTransport

from .http_helpers import Reply, request, send_raw
from .sdp_samples import AUDIO_OFFER, MALFORMED, NO_RTCP_MUX, PCMU_ONLY, offer_body

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(30)]


def echo_graph(conn: Connection) -> Graph:
    return Graph.chain(conn.input(), Echo(), conn.output())


@contextlib.asynccontextmanager
async def serving(**options: Any) -> AsyncIterator[WebRTCTransport]:
    async with WebRTCTransport(echo_graph, **options) as transport:
        yield transport


async def post(transport: WebRTCTransport, body: bytes, content_type: str = "application/json") -> Reply:
    return await request(transport.port, "POST", "/offer", body, content_type=content_type)


async def test_an_offer_posted_as_text_gets_415_protocol_error() -> None:
    async with serving() as tr:
        reply = await post(tr, offer_body(AUDIO_OFFER), "text/plain")
    assert (reply.status, reply.code) == (415, "protocol_error")


async def test_a_body_that_is_not_json_gets_400_protocol_error() -> None:
    async with serving() as tr:
        reply = await post(tr, b"v=0\r\n")
    assert (reply.status, reply.code) == (400, "protocol_error")


async def test_a_malformed_sdp_gets_400_invalid_input() -> None:
    async with serving() as tr:
        reply = await post(tr, offer_body(MALFORMED))
    assert (reply.status, reply.code) == (400, "invalid_input")


async def test_an_offer_without_opus_gets_400_not_negotiated() -> None:
    async with serving() as tr:
        reply = await post(tr, offer_body(PCMU_ONLY))
    assert (reply.status, reply.code) == (400, "not_negotiated")


class Gatekeeper(WebRTCTransport):
    """Admits offers that carry the right token; records releases."""

    def __init__(self) -> None:
        super().__init__(echo_graph)
        self.released: list[str] = []

    async def admit(self, request: HttpRequest) -> str | None:
        if request.headers.get("authorization") != "Bearer good":
            raise VoiceError(ErrorCode.AUTHENTICATION_FAILED, "bad token")
        return "session-1"

    def release(self, session_id: str) -> None:
        self.released.append(session_id)


async def test_a_refused_admission_gets_its_code_before_any_peer_connection() -> None:
    async with Gatekeeper() as tr:
        reply = await post(tr, offer_body(AUDIO_OFFER))
        assert (reply.status, reply.code) == (401, "authentication_failed")
        assert tr.released == [] and tr.sessions_started == 0


async def test_an_offer_aiortc_refuses_gets_400_and_releases_its_admission() -> None:
    async with Gatekeeper() as tr:
        head = "POST /offer HTTP/1.1\r\nAuthorization: Bearer good\r\nContent-Type: application/json\r\n"
        body = offer_body(NO_RTCP_MUX)
        reply = await send_raw(tr.port, f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
        assert (reply.status, reply.code) == (400, "invalid_input")
        assert tr.released == ["session-1"] and not tr.sessions


async def test_an_error_body_says_whether_a_retry_may_help() -> None:
    async with serving() as tr:
        reply = await post(tr, offer_body(MALFORMED))
    assert reply.json()["error"]["retriable"] is False
    assert reply.headers["content-type"] == "application/json"


async def test_an_oversize_body_gets_413_without_being_read() -> None:
    async with serving(max_body_bytes=1024) as tr:
        head = b"POST /offer HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n"
        reply = await send_raw(tr.port, head)  # the 10 MB never come: the answer must not wait for them
    assert (reply.status, reply.code) == (413, "invalid_input")


async def test_a_post_without_content_length_gets_411() -> None:
    async with serving() as tr:
        reply = await send_raw(tr.port, b"POST /offer HTTP/1.1\r\nContent-Type: application/json\r\n\r\n")
    assert (reply.status, reply.code) == (411, "protocol_error")


async def test_a_content_length_of_non_ascii_digits_gets_400() -> None:
    async with serving() as tr:
        raw = b"POST /offer HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: \xb2\r\n\r\n{}"
        reply = await send_raw(tr.port, raw)  # "\xb2" (superscript two) passes str.isdigit
    assert (reply.status, reply.code) == (400, "protocol_error")


async def test_a_content_length_of_thousands_of_digits_gets_413() -> None:
    async with serving() as tr:
        head = b"POST /offer HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: "
        reply = await send_raw(tr.port, head + b"9" * 5000 + b"\r\n\r\n")  # over int()'s 4300 digits
    assert (reply.status, reply.code) == (413, "invalid_input")


async def test_deeply_nested_json_gets_400_protocol_error() -> None:
    async with serving() as tr:
        reply = await post(tr, b"[" * 50_000)
    assert (reply.status, reply.code) == (400, "protocol_error")


async def test_a_chunked_body_gets_411() -> None:
    async with serving() as tr:
        raw = b"POST /offer HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
        reply = await send_raw(tr.port, raw)
    assert (reply.status, reply.code) == (411, "protocol_error")


async def test_oversize_headers_get_431() -> None:
    async with serving() as tr:
        raw = b"GET /health HTTP/1.1\r\nX-Junk: " + b"a" * 20_000 + b"\r\n\r\n"
        reply = await send_raw(tr.port, raw)
    assert (reply.status, reply.code) == (431, "protocol_error")


async def test_a_garbled_request_line_gets_400() -> None:
    async with serving() as tr:
        reply = await send_raw(tr.port, b"HELLO\r\n\r\n")
    assert (reply.status, reply.code) == (400, "protocol_error")


async def test_a_client_that_stalls_mid_request_gets_408() -> None:
    async with serving() as tr:
        tr.http.read_timeout_s = 0.3
        reply = await send_raw(tr.port, b"GET /health HTTP/1.1\r\n\r\n", stall=True)
    assert (reply.status, reply.code) == (408, "timeout")


async def test_an_unknown_path_gets_404_and_a_wrong_method_405() -> None:
    async with serving() as tr:
        missing = await request(tr.port, "GET", "/nope")
        wrong = await request(tr.port, "GET", "/offer")
    assert (missing.status, wrong.status) == (404, 405)


async def test_connections_over_the_limit_get_503_at_once() -> None:
    async with serving() as tr:
        tr.http.max_connections = 2
        idle = [await asyncio.open_connection("127.0.0.1", tr.port) for _ in range(2)]
        await asyncio.sleep(0.05)
        reply = await request(tr.port, "GET", "/health")
        for _, writer in idle:
            writer.close()
    assert (reply.status, reply.code) == (503, "session_limit_exceeded")


async def test_the_server_keeps_serving_after_a_barrage_of_bad_clients() -> None:
    async with serving() as tr:
        bad = [b"\x00\x01\x02\r\n\r\n", b"POST /offer HTTP/1.1\r\nContent-Length: x\r\n\r\n", b"GET"]
        for raw in bad * 5:
            with contextlib.suppress(ValueError, IndexError, ConnectionError):
                await send_raw(tr.port, raw)
        for _ in range(5):
            await post(tr, offer_body(MALFORMED))
        health = await request(tr.port, "GET", "/health")
    assert health.status == 200
    assert health.json()["sessions"] == 0
