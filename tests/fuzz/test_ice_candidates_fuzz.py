"""Hypothesis over real HTTP (127.0.0.1): ICE candidates trickled to SmallWebRTC signalling
(`PATCH /api/offer`) for a live peer connection. Any candidate list gets 204 or a coded
4xx, never a 500. The peer connection has no remote description, so nothing is gathered.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.transports.nodes import Echo
from voicegraph.framework import Graph
from voicegraph.transports.connection import Connection
from voicegraph.transports.webrtc.small_webrtc_connection import SmallWebRTCConnection
from voicegraph.transports.webrtc.small_webrtc_transport import SmallWebRTCTransport

from .loop_thread import LoopThread
from .strategies import FUZZ, json_values

pytestmark = pytest.mark.timeout(120)

TOKENS = ["1", "2", "udp", "tcp", "12345", "127.0.0.1", "::1", "9", "typ", "host", "srflx",
          "raddr", "rport", "tcptype", "generation", "0", "-1", "x", "99999999999999999999"]  # fmt: skip
candidates = st.lists(st.sampled_from(TOKENS) | st.text(max_size=4), max_size=12).map(" ".join)
items = st.fixed_dictionaries(
    {"candidate": candidates | candidates.map("candidate:".__add__) | json_values},
    optional={"sdp_mid": json_values, "sdp_mline_index": json_values},
)


def echo_graph(conn: Connection) -> Graph:
    return Graph.chain(conn.input(), Echo(), conn.output())


@pytest.fixture(scope="module")
def signalling() -> Iterator[tuple[httpx.Client, str]]:
    loop = LoopThread()
    transport = SmallWebRTCTransport(graph_factory=echo_graph)

    async def start() -> SmallWebRTCConnection:
        await transport.start()
        conn = SmallWebRTCConnection(session_id="pc1")
        transport.sessions["pc1"] = conn  # a live peer connection, as after an offer
        return conn

    conn = loop.run(start())
    try:
        with httpx.Client(timeout=10) as client:
            yield client, f"http://127.0.0.1:{transport.port}/api/offer"
    finally:
        loop.run(conn.pc.close())
        loop.run(transport.stop())
        loop.close()


@FUZZ
@given(st.lists(items | json_values, max_size=3))
def test_trickled_candidates_get_204_or_a_coded_4xx(
    signalling: tuple[httpx.Client, str], batch: list[Any]
) -> None:
    client, url = signalling
    body = json.dumps({"pc_id": "pc1", "candidates": batch})
    resp = client.patch(url, content=body, headers={"Content-Type": "application/json"})
    assert resp.status_code == 204 or (
        400 <= resp.status_code < 500 and resp.json()["error"]["code"] == "invalid_input"
    ), (resp.status_code, resp.text)
