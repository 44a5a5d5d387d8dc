"""Hypothesis: no message, however malformed, crashes a serializer; bad ones get coded errors."""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from voicegraph.framework import ErrorCode, VoiceError
from voicegraph.transports.raw_pcm_serializer import RawPCMSerializer
from voicegraph.transports.serializer import Serializer
from voicegraph.transports.twilio_serializer import TwilioSerializer

CODES = {ErrorCode.PROTOCOL_ERROR, ErrorCode.INVALID_INPUT, ErrorCode.NOT_NEGOTIATED}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=16),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=16,
)
RAW_FIELDS = ["sample_rate", "output_sample_rate", "channels", "encoding", "text", "digit", "resume_token"]
TWILIO_EVENTS = ["connected", "start", "media", "mark", "dtmf", "stop", "clear", "bogus"]
messages = st.binary(max_size=1024) | st.text(max_size=256) | json_values.map(json.dumps)


def raw_started() -> RawPCMSerializer:
    s = RawPCMSerializer()
    s.parse(json.dumps({"type": "start", "sample_rate": 16000}))
    return s


def twilio_started() -> TwilioSerializer:
    s = TwilioSerializer()
    s.parse(json.dumps({"event": "start", "streamSid": "MZ1", "start": {"callSid": "CA1"}}))
    return s


def parses_or_refuses(serializer: Serializer, message: str | bytes) -> None:
    try:
        serializer.parse(message)
    except VoiceError as err:
        assert err.code in CODES


@settings(max_examples=200, deadline=None)
@given(messages)
def test_raw_pcm_parser_survives_any_message_before_and_after_start(message: str | bytes) -> None:
    parses_or_refuses(RawPCMSerializer(), message)
    parses_or_refuses(raw_started(), message)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["start", "interrupt", "end", "text", "dtmf", "bogus", ""]),
    st.dictionaries(
        st.sampled_from(
            ["sample_rate", "output_sample_rate", "channels", "encoding", "text", "digit", "resume_token"]
        ),
        json_values,
        max_size=5,
    ),
)
def test_raw_pcm_parser_survives_wrong_fields_of_every_message_type(
    kind: str, fields: dict[str, Any]
) -> None:
    message = json.dumps({**fields, "type": kind})
    parses_or_refuses(RawPCMSerializer(), message)
    parses_or_refuses(raw_started(), message)


@settings(max_examples=200, deadline=None)
@given(messages)
def test_twilio_parser_survives_any_message_before_and_after_start(message: str | bytes) -> None:
    parses_or_refuses(TwilioSerializer(), message)
    parses_or_refuses(twilio_started(), message)


twilio_bodies = st.fixed_dictionaries(
    {},
    optional={
        "streamSid": st.sampled_from(["MZ1", "MZ2", ""]) | json_values,
        "start": json_values | st.fixed_dictionaries({}, optional={"mediaFormat": json_values,
                                                                   "customParameters": json_values}),
        "media": json_values | st.fixed_dictionaries({}, optional={
            "payload": st.binary(max_size=64).map(lambda b: base64.b64encode(b).decode()) | json_values,
            "track": json_values}),
        "mark": json_values | st.fixed_dictionaries({"name": json_values}),
        "dtmf": json_values | st.fixed_dictionaries({"digit": json_values}),
    },
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["connected", "start", "media", "mark", "dtmf", "stop", "clear", "bogus"]), twilio_bodies
)
def test_twilio_parser_survives_wrong_fields_of_every_event(event: str, body: dict[str, Any]) -> None:
    message = json.dumps({**body, "event": event})
    parses_or_refuses(TwilioSerializer(), message)
    parses_or_refuses(twilio_started(), message)
