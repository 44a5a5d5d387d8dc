"""SmallWebRTC signalling refuses bad requests with coded JSON errors and answers CORS preflights.

No request here reaches a peer connection (see small_webrtc_scenario.py for real ones), so
nothing gathers ICE candidates in this (non-namespaced) process.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.transports.nodes import Echo
from voicegraph.framework import Graph
from voicegraph.transports.connection import Connection
from voicegraph.transports.webrtc.small_webrtc_transport import SmallWebRTCTransport

from .http_helpers import request, send_raw
from .sdp_samples import MALFORMED, PCMU_ONLY

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(30)]


def echo_graph(conn: Connection) -> Graph:
    return Graph.chain(conn.input(), Echo(), conn.output())


@contextlib.asynccontextmanager
async def serving(**options: Any) -> AsyncIterator[SmallWebRTCTransport]:
    async with SmallWebRTCTransport(graph_factory=echo_graph, **options) as transport:
        yield transport


def offer(sdp: str, **extra: Any) -> bytes:
    return json.dumps({"sdp": sdp, "type": "offer", "pc_id": None, "restart_pc": False, **extra}).encode()


async def test_candidates_for_an_unknown_pc_id_get_404_session_not_found() -> None:
    body = json.dumps(
        {"pc_id": "nope", "candidates": [{"candidate": "", "sdp_mid": "0", "sdp_mline_index": 0}]}
    )
    async with serving() as tr:
        reply = await request(tr.port, "PATCH", "/api/offer", body.encode())
    assert (reply.status, reply.code) == (404, "session_not_found")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"not json", 400, "protocol_error"),
        (b"[1, 2]", 400, "protocol_error"),
        (offer(MALFORMED), 400, "invalid_input"),
        (offer(PCMU_ONLY), 400, "not_negotiated"),
        (json.dumps({"sdp": "v=0", "type": "answer"}).encode(), 400, "invalid_input"),
    ],
)
async def test_bad_offers_get_coded_errors(body: bytes, status: int, code: str) -> None:
    async with serving() as tr:
        reply = await request(tr.port, "POST", "/api/offer", body)
        assert (reply.status, reply.code) == (status, code)
        assert tr.sessions == {}


async def test_an_offer_posted_as_text_gets_415() -> None:
    async with serving() as tr:
        reply = await request(tr.port, "POST", "/api/offer", offer(MALFORMED), content_type="text/plain")
    assert (reply.status, reply.code) == (415, "protocol_error")


async def test_a_preflight_from_an_allowed_origin_gets_cors_headers() -> None:
    raw = (b"OPTIONS /api/offer HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://127.0.0.1:9\r\n"
           b"Access-Control-Request-Method: POST\r\n\r\n")  # fmt: skip
    async with serving(cors_origins=["http://127.0.0.1:9"]) as tr:
        reply = await send_raw(tr.port, raw)
    assert reply.status == 204
    assert reply.headers["access-control-allow-origin"] == "http://127.0.0.1:9"
    assert "PATCH" in reply.headers["access-control-allow-methods"]


async def test_no_cors_headers_for_origins_not_allowed() -> None:
    raw = b"OPTIONS /api/offer HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://evil.example\r\n\r\n"
    async with serving(cors_origins=["http://127.0.0.1:9"]) as tr:
        reply = await send_raw(tr.port, raw)
    assert "access-control-allow-origin" not in reply.headers
