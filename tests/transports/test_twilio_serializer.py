"""TwilioSerializer: Media Streams messages in and out."""

from __future__ import annotations

import base64
import json

import pytest

from voicegraph.framework import ErrorCode, VoiceError
from voicegraph.framework.formats import MULAW8K
from voicegraph.transports.client_messages import ClientAudio, ClientEnd, ClientMark, ClientStart
from voicegraph.transports.twilio_serializer import TwilioSerializer

START = {
    "event": "start",
    "sequenceNumber": "1",
    "streamSid": "MZabc",
    "start": {
        "streamSid": "MZabc", "accountSid": "AC1", "callSid": "CA1", "tracks": ["inbound"],
        "customParameters": {"lang": "en"},
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
    },
}  # fmt: skip


def started() -> TwilioSerializer:
    s = TwilioSerializer()
    s.parse(json.dumps(START))
    return s


def test_connected_is_ignored_and_start_opens_a_mulaw_stream() -> None:
    s = TwilioSerializer()
    assert s.parse('{"event":"connected","protocol":"Call","version":"1.0.0"}') is None
    msg = s.parse(json.dumps(START))
    assert msg == ClientStart(MULAW8K, MULAW8K, stream_id="MZabc", call_id="CA1", params={"lang": "en"})


def test_media_payload_is_decoded_from_base64() -> None:
    payload = base64.b64encode(bytes(range(160))).decode()
    msg = started().parse(json.dumps({"event": "media", "streamSid": "MZabc", "media": {"payload": payload}}))
    assert msg == ClientAudio(bytes(range(160)))


def test_mark_echo_and_stop_are_understood() -> None:
    s = started()
    assert s.parse('{"event":"mark","streamSid":"MZabc","mark":{"name":"vg.1.20"}}') == ClientMark("vg.1.20")
    assert s.parse('{"event":"stop","streamSid":"MZabc","stop":{}}') == ClientEnd(drain=False)


def test_other_formats_are_not_negotiated() -> None:
    bad = json.loads(json.dumps(START))
    bad["start"]["mediaFormat"] = {"encoding": "audio/l16", "sampleRate": 16000, "channels": 1}
    with pytest.raises(VoiceError) as err:
        TwilioSerializer().parse(json.dumps(bad))
    assert err.value.code is ErrorCode.NOT_NEGOTIATED


def test_binary_frames_and_foreign_stream_ids_are_protocol_errors() -> None:
    s = started()
    for message in (b"\x00\x01", '{"event":"media","streamSid":"MZother","media":{"payload":"AA=="}}'):
        with pytest.raises(VoiceError) as err:
            s.parse(message)
        assert err.value.code is ErrorCode.PROTOCOL_ERROR


def test_outgoing_messages_carry_the_stream_sid() -> None:
    s = started()
    media = json.loads(s.encode_audio(b"\xff\x7f"))
    assert media == {"event": "media", "streamSid": "MZabc", "media": {"payload": "/38="}}
    assert json.loads(s.encode_clear() or "") == {"event": "clear", "streamSid": "MZabc"}
    assert json.loads(s.encode_mark("m") or "") == {
        "event": "mark",
        "streamSid": "MZabc",
        "mark": {"name": "m"},
    }


def test_errors_are_not_sent_to_twilio() -> None:
    assert started().encode_error(VoiceError(ErrorCode.PROTOCOL_ERROR, "x")) is None
