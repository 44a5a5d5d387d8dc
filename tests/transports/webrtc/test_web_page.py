"""The bundled page, its settings and the health check, served over 127.0.0.1."""

from __future__ import annotations

import pytest

from tests.transports.nodes import Echo
from voicegraph.framework import ErrorCode, Graph, VoiceError
from voicegraph.transports.connection import Connection
from voicegraph.transports.webrtc import IceServer, WebRTCTransport

from .http_helpers import request

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(30)]


def echo_graph(conn: Connection) -> Graph:
    return Graph.chain(conn.input(), Echo(), conn.output())


async def test_the_page_is_served_with_a_strict_content_security_policy() -> None:
    async with WebRTCTransport(echo_graph) as tr:
        page = await request(tr.port, "GET", "/", content_type=None)
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    assert b'<script src="client.js">' in page.body
    assert "script-src 'self'" in page.headers["content-security-policy"]


async def test_the_client_script_is_served_as_javascript() -> None:
    async with WebRTCTransport(echo_graph) as tr:
        script = await request(tr.port, "GET", "/client.js", content_type=None)
    assert script.status == 200 and script.headers["content-type"] == "text/javascript"
    assert b"RTCPeerConnection" in script.body


async def test_by_default_the_page_is_told_to_use_no_ice_servers() -> None:
    async with WebRTCTransport(echo_graph) as tr:
        config = (await request(tr.port, "GET", "/config", content_type=None)).json()
    assert config == {"offerPath": "offer", "iceServers": []}


async def test_configured_ice_servers_reach_the_page() -> None:
    turn = {"urls": ["turn:turn.invalid:3478"], "username": "u", "credential": "p"}
    async with WebRTCTransport(echo_graph, ice_servers=["stun:stun.invalid:3478", turn]) as tr:
        config = (await request(tr.port, "GET", "/config", content_type=None)).json()
    assert config["iceServers"] == [{"urls": ["stun:stun.invalid:3478"]}, turn]


async def test_head_gets_the_headers_without_the_page() -> None:
    async with WebRTCTransport(echo_graph) as tr:
        head = await request(tr.port, "HEAD", "/", content_type=None)
    assert head.status == 200 and head.body == b""


async def test_the_page_can_be_left_out() -> None:
    async with WebRTCTransport(echo_graph, serve_page=False) as tr:
        page = await request(tr.port, "GET", "/", content_type=None)
    assert page.status == 404


async def test_health_reports_the_session_count_and_limit() -> None:
    async with WebRTCTransport(echo_graph, max_sessions=3) as tr:
        health = (await request(tr.port, "GET", "/health", content_type=None)).json()
    assert health == {"status": "ok", "sessions": 0, "max_sessions": 3}


def test_an_ice_server_url_that_is_not_stun_or_turn_is_refused() -> None:
    with pytest.raises(VoiceError) as info:
        IceServer(("http://example.invalid",))
    assert info.value.code == ErrorCode.INVALID_CONFIG


def test_a_transport_without_a_graph_factory_is_refused() -> None:
    with pytest.raises(VoiceError) as info:
        WebRTCTransport()
    assert info.value.code == ErrorCode.INVALID_CONFIG
