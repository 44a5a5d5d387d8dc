"""Hypothesis over HTTP bodies from outside: WebRTC offers, Vapi webhooks and custom-LLM
requests, and Twilio's voice webhook (form bodies, over real HTTP on 127.0.0.1).

Property: a bad body is a coded `VoiceError` (an `HttpError` keeps its 4xx status), and
the TwiML answer to any webhook is well-formed XML whose parameters are the fields sent.
"""

from __future__ import annotations

import functools
import json
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.transports.webrtc.sdp_samples import AUDIO_OFFER
from voicegraph.backends.providers.vapi.custom_llm import call_key, chat_request
from voicegraph.backends.providers.vapi.http_errors import parse_json_object
from voicegraph.backends.providers.vapi.server_url import _message, _tool_call
from voicegraph.transports.twiml_server import TwimlServer
from voicegraph.transports.webrtc.http_message import HttpError
from voicegraph.transports.webrtc.session_offer import SessionOffer

from .loop_thread import LoopThread
from .strategies import FUZZ, coded, deep_json, json_values, mutated

pytestmark = pytest.mark.timeout(120)

bodies = (
    st.binary(max_size=512) | json_values.map(lambda v: json.dumps(v).encode()) | deep_json.map(str.encode)
)
SDP_LINES = AUDIO_OFFER.strip().split("\r\n")
sdps = st.lists(st.sampled_from(SDP_LINES) | st.text(max_size=30), max_size=20).map("\r\n".join)


@FUZZ
@given(
    st.sampled_from(["application/json", "text/plain", ""]),
    bodies
    | mutated({"type": "offer", "sdp": AUDIO_OFFER}).map(lambda d: json.dumps(d).encode())
    | sdps.map(lambda s: json.dumps({"type": "offer", "sdp": s}).encode()),
)
def test_webrtc_offer_bodies_get_a_coded_4xx(content_type: str, body: bytes) -> None:
    result = coded(lambda: SessionOffer.parse(content_type, body))
    if not isinstance(result, SessionOffer):
        assert isinstance(result, HttpError) and 400 <= result.status < 500


@FUZZ
@given(bodies)
def test_vapi_webhook_bodies_get_a_code(body: bytes) -> None:
    parsed = coded(lambda: parse_json_object(body, "server URL"))
    if isinstance(parsed, dict):
        message = coded(lambda: _message(parsed))
        if isinstance(message, dict):
            raw = message.get("toolCallList")
            for i, item in enumerate(raw if isinstance(raw, list) else []):
                coded(functools.partial(_tool_call, i, item))


tool_calls = st.lists(
    json_values
    | st.fixed_dictionaries(
        {"id": json_values},
        optional={
            "function": json_values | st.fixed_dictionaries({"name": json_values, "arguments": json_values})
        },
    ),
    max_size=4,
)


@FUZZ
@given(tool_calls)
def test_vapi_tool_calls_get_a_code(calls: list[Any]) -> None:
    for i, item in enumerate(calls):
        coded(functools.partial(_tool_call, i, item))


@FUZZ
@given(
    mutated({"messages": [{"role": "user", "content": "hi"}], "call": {"id": "c1"}, "tools": []}),
    st.dictionaries(st.sampled_from(["X-Call-Id", "x"]), st.text(max_size=8), max_size=1),
)
def test_vapi_custom_llm_requests_get_a_code(body: dict[str, Any], headers: dict[str, str]) -> None:
    coded(lambda: call_key(body, headers))
    coded(lambda: chat_request(body))


@pytest.fixture(scope="module")
def twiml() -> Iterator[tuple[httpx.Client, str]]:
    loop = LoopThread()
    server = TwimlServer(stream_port=9)
    loop.run(server.start())
    try:
        with httpx.Client(timeout=10) as client:
            yield client, f"http://127.0.0.1:{server.port}/twiml"
    finally:
        loop.run(server.stop())
        loop.close()


form_values = st.text(max_size=40) | st.text(st.characters(max_codepoint=0x1F), max_size=8)
forms = st.dictionaries(
    st.sampled_from(["CallSid", "From", "To", "Direction", "AccountSid"]) | st.text(max_size=8),
    form_values,
    max_size=6,
)


@FUZZ
@given(forms, st.binary(max_size=64))
def test_twilio_webhook_answers_any_form_with_well_formed_twiml(
    twiml: tuple[httpx.Client, str], form: dict[str, str], junk: bytes
) -> None:
    client, url = twiml
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    for body in (urllib.parse.urlencode(form).encode(), junk):
        resp = client.post(url, content=body, headers=headers)
        assert resp.status_code == 200, resp.text
        root = ET.fromstring(resp.content)  # raises on TwiML Twilio could not parse
        params = {p.get("name"): p.get("value") for p in root.iter("Parameter")}
        if body is not junk:
            assert set(params) <= {"call_sid", "from", "to", "direction"}
