"""RawPCMSerializer: the simple client protocol, message by message."""

from __future__ import annotations

import json

import pytest

from voicegraph.framework import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat
from voicegraph.framework.frames import (
    BotStartedSpeakingFrame,
    BotTextFrame,
    EndCallFrame,
    InterimTranscriptFrame,
    LLMTextFrame,
    TransferCallFrame,
)
from voicegraph.transports.client_messages import ClientAudio, ClientDtmf, ClientEnd, ClientStart, ClientText
from voicegraph.transports.raw_pcm_serializer import RawPCMSerializer


def started(**fields: object) -> RawPCMSerializer:
    s = RawPCMSerializer()
    s.parse(json.dumps({"type": "start", "sample_rate": 16000, **fields}))
    return s


def test_start_sets_input_and_output_formats() -> None:
    msg = RawPCMSerializer().parse(
        json.dumps({"type": "start", "sample_rate": 8000, "output_sample_rate": 24000})
    )
    assert msg == ClientStart(AudioFormat(8000), AudioFormat(24000))


def test_binary_audio_must_be_whole_sample_frames() -> None:
    s = started(channels=2)
    assert s.parse(bytes(8)) == ClientAudio(bytes(8))
    with pytest.raises(VoiceError) as err:
        s.parse(bytes(6))
    assert err.value.code is ErrorCode.INVALID_INPUT


def test_a_second_start_is_a_protocol_error() -> None:
    with pytest.raises(VoiceError) as err:
        started().parse(json.dumps({"type": "start", "sample_rate": 16000}))
    assert err.value.code is ErrorCode.PROTOCOL_ERROR


def test_boolean_sample_rate_is_refused() -> None:
    with pytest.raises(VoiceError) as err:
        RawPCMSerializer().parse(json.dumps({"type": "start", "sample_rate": True}))
    assert err.value.code is ErrorCode.INVALID_INPUT


def test_unlisted_sample_rate_is_not_negotiated() -> None:
    with pytest.raises(VoiceError) as err:
        RawPCMSerializer().parse(json.dumps({"type": "start", "sample_rate": 12345}))
    assert err.value.code is ErrorCode.NOT_NEGOTIATED


def test_control_messages_map_to_client_messages() -> None:
    s = started()
    assert s.parse('{"type":"end"}') == ClientEnd(drain=True)
    assert s.parse('{"type":"text","text":"hi"}') == ClientText("hi")
    assert s.parse('{"type":"dtmf","digit":"#"}') == ClientDtmf("#")


def test_events_are_encoded_as_typed_json() -> None:
    s = started()
    assert s.encode_event(BotStartedSpeakingFrame()) == '{"type":"bot_started_speaking"}'
    assert (
        s.encode_event(InterimTranscriptFrame(text="he")) == '{"type":"transcript","text":"he","final":false}'
    )
    unspoken = '{"type":"bot_text","text":"Hi","final":false,"interrupted":false}'
    assert s.encode_event(LLMTextFrame(text="Hi")) == unspoken


def test_bot_text_as_played_goes_out_with_its_flags() -> None:
    s = started()
    cut = s.encode_event(BotTextFrame(text="The capital", final=True, interrupted=True))
    assert json.loads(cut or "") == {
        "type": "bot_text",
        "text": "The capital",
        "final": True,
        "interrupted": True,
    }


def test_errors_carry_their_code() -> None:
    err = VoiceError(ErrorCode.NOT_NEGOTIATED, "no")
    assert json.loads(started().encode_error(err) or "") == {
        "type": "error",
        "code": "not_negotiated",
        "message": "no",
    }


def test_call_actions_are_encoded_for_the_client_to_carry_out() -> None:
    s = started()
    end = s.encode_event(EndCallFrame(reason="done"))
    assert json.loads(end or "") == {"type": "end_call", "reason": "done"}
    transfer = TransferCallFrame(target="sip:desk@example.invalid", reason="asked")
    assert json.loads(s.encode_event(transfer) or "") == {
        "type": "transfer_call", "target": "sip:desk@example.invalid", "reason": "asked",
    }  # fmt: skip
    assert not s.telephony and s.call_id == ""
