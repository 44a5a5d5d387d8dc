"""Hypothesis over real HTTP (127.0.0.1): no request, however malformed, harms the signalling
server. Each gets a coded JSON error (or, when it is not a whole request, a clean close);
afterwards the server still answers, and its tasks, sockets and sessions are back to where
they were. Offers that pass every check are refused by admission: no peer connection.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .fuzz_server import FuzzServer, RawReply, coded
from .sdp_samples import AUDIO_OFFER, offer_body

pytestmark = pytest.mark.timeout(60)

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

latin1 = st.text(st.characters(min_codepoint=0, max_codepoint=255), max_size=48)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=16),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=16,
)
OFFER = offer_body(AUDIO_OFFER)
PATHS = ["/offer", "/health", "/", "/config", "/client.js", "/nope", "/offer?x=1", "*", ""]
HEADER_NAMES = ["Content-Type", "Content-Length", "Transfer-Encoding", "Host", "Authorization", "X-A"]
SDP_LINES = AUDIO_OFFER.strip().split("\r\n")
sdp_like = st.lists(
    st.sampled_from(SDP_LINES)
    | st.builds("{}={}".format, st.sampled_from("vostcmab"), st.text(max_size=40))
    | st.text(max_size=40),
    max_size=24,
).map("\r\n".join)


@pytest.fixture
def server() -> Iterator[FuzzServer]:
    srv = FuzzServer()
    try:
        yield srv
    finally:
        srv.close()


def survives(server: FuzzServer, barrage: Callable[[], None]) -> None:
    """Run `barrage`, then check the server still serves and holds nothing it did not before."""
    assert server.request("GET", "/health").status == 200
    baseline = server.quiet_snapshot()
    barrage()
    health = server.request("GET", "/health")
    refused = server.request("POST", "/offer", OFFER, "Content-Type: application/json\r\n")
    tr = server.transport
    assert health.status == 200 and health.headers["content-type"] == "application/json"
    assert (refused.status, refused.code) == (403, "authorization_failed")
    assert server.settle(baseline) == baseline
    assert tr.http.connections == 0
    assert not tr.sessions and tr.sessions_started == 0 and tr.released == 0


def test_random_bytes_get_a_coded_error_or_a_clean_close(server: FuzzServer) -> None:
    raw = st.binary(max_size=2048) | st.binary(max_size=512).map(lambda b: b + b"\r\n\r\n")

    @FUZZ
    @given(raw)
    def barrage(data: bytes) -> None:
        coded(server.exchange(data))

    survives(server, barrage)


def test_requests_with_malformed_lines_and_headers_get_coded_errors(server: FuzzServer) -> None:
    method = st.sampled_from(["GET", "POST", "HEAD", "PUT", "get", ""]) | latin1
    version = st.sampled_from(["HTTP/1.1", "HTTP/1.0", "HTTP/2", "http/1.1", ""]) | latin1
    header = st.tuples(st.sampled_from(HEADER_NAMES) | latin1, latin1)

    @FUZZ
    @given(
        method, st.sampled_from(PATHS) | latin1, version, st.lists(header, max_size=6), st.binary(max_size=64)
    )
    def barrage(verb: str, target: str, ver: str, headers: list[tuple[str, str]], body: bytes) -> None:
        lines = [f"{verb} {target} {ver}", *(f"{k}: {v}" for k, v in headers)]
        reply = server.exchange(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        coded(reply)

    survives(server, barrage)


BAD_LENGTHS = ["x", "-1", "1e3", "0x10", "+5", "\xb2", "\xb9\xb3", "1 2", ""]
NOT_JSON = ["text/plain", "application/sdp", "", "multipart/form-data; boundary=x", "application/jsonx"]


def offer_request(content_type: str, length: str | None, body: bytes) -> bytes:
    head = "POST /offer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    head += f"Content-Type: {content_type}\r\n" if content_type else ""
    head += f"Content-Length: {length}\r\n" if length is not None else ""
    return (head + "\r\n").encode("latin-1") + body


header_value = latin1.filter(lambda t: "\r" not in t and "\n" not in t)


def test_an_offer_of_another_content_type_gets_415(server: FuzzServer) -> None:
    @FUZZ
    @given(st.sampled_from(NOT_JSON) | header_value.filter(lambda t: "json" not in t.lower()))
    def barrage(content_type: str) -> None:
        reply = server.exchange(offer_request(content_type, str(len(OFFER)), OFFER))
        assert reply is not None and (reply.status, reply.code) == (415, "protocol_error")

    survives(server, barrage)


def test_a_content_length_over_the_limit_gets_413_at_once(server: FuzzServer) -> None:
    @FUZZ
    @given(st.integers(16 * 1024 + 1, 10**40), st.integers(0, 5000))
    def barrage(huge: int, zeros: int) -> None:
        reply = server.exchange(offer_request("application/json", "0" * zeros + str(huge), OFFER))
        assert reply is not None and (reply.status, reply.code) == (413, "invalid_input")

    survives(server, barrage)


def test_a_content_length_that_is_not_a_number_gets_400(server: FuzzServer) -> None:
    @FUZZ
    @given(st.sampled_from(BAD_LENGTHS) | header_value.filter(lambda t: not t.strip().isdecimal()))
    def barrage(bad: str) -> None:
        reply = server.exchange(offer_request("application/json", bad, OFFER))
        assert reply is not None and (reply.status, reply.code) == (400, "protocol_error")

    survives(server, barrage)


def test_a_truncated_body_gets_a_clean_close(server: FuzzServer) -> None:
    @FUZZ
    @given(st.integers(0, len(OFFER) - 1), st.integers(1, 4096))
    def barrage(cut: int, extra: int) -> None:
        assert server.exchange(offer_request("application/json", str(len(OFFER)), OFFER[:cut])) is None
        declared = min(len(OFFER) + extra, 16 * 1024)
        assert server.exchange(offer_request("application/json", str(declared), OFFER)) is None

    survives(server, barrage)


def _body(kind: str, value: Any) -> bytes:
    if kind == "json":
        return json.dumps(value).encode()
    if kind == "nested":
        return b"[" * int(value) + b"]" * (int(value) // 2)
    if kind == "sdp":
        return offer_body(value)
    return bytes(value)


bodies = (
    st.tuples(st.just("json"), json_values)
    | st.tuples(st.just("nested"), st.integers(100, 16 * 1024 - 10))
    | st.tuples(st.just("sdp"), sdp_like | sdp_like.map(lambda s: "v=0\r\n" + s))
    | st.tuples(st.just("bytes"), st.binary(max_size=512))
)


def test_offers_of_bad_json_and_sdp_like_text_get_coded_errors(server: FuzzServer) -> None:
    @FUZZ
    @given(bodies)
    def barrage(case: tuple[str, Any]) -> None:
        body = _body(*case)
        reply: RawReply | None = server.exchange(offer_request("application/json", str(len(body)), body))
        assert reply is not None and reply.status in (400, 403, 413)
        coded(reply)

    survives(server, barrage)
