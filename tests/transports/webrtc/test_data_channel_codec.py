"""DataChannelCodec: the page's JSON messages in, session events out."""

from __future__ import annotations

import json

import pytest

from voicegraph.framework import ErrorCode, VoiceError
from voicegraph.framework.frames import (
    BotStartedSpeakingFrame,
    BotTextFrame,
    EndCallFrame,
    InputAudioFrame,
    LLMTextFrame,
    SentenceFrame,
    TranscriptFrame,
    TransferCallFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.transports.client_messages import ClientEnd, ClientInterrupt, ClientText
from voicegraph.transports.webrtc import DataChannelCodec

codec = DataChannelCodec()


def test_typed_text_becomes_client_text() -> None:
    assert codec.parse('{"type": "text", "text": "  hi there "}') == ClientText("hi there")


def test_interrupt_and_hangup_are_understood() -> None:
    assert codec.parse('{"type": "interrupt"}') == ClientInterrupt()
    assert codec.parse('{"type": "hangup"}') == ClientEnd(drain=False)


def test_a_ping_needs_nothing_done() -> None:
    assert codec.parse('{"type": "ping"}') is None


@pytest.mark.parametrize(
    "message",
    ["not json", "[1]", '{"type": "dance"}', '{"no": "type"}', b"\xff", "{" + " " * 5000 + "}"],
    ids=["not-json", "array", "unknown-type", "no-type", "binary", "oversize"],
)
def test_a_malformed_message_is_a_protocol_error(message: str | bytes) -> None:
    with pytest.raises(VoiceError) as info:
        codec.parse(message)
    assert info.value.code == ErrorCode.PROTOCOL_ERROR


@pytest.mark.parametrize(
    "text", ['""', '"   "', "42", '"' + "a" * 2001 + '"'], ids=["empty", "blank", "number", "long"]
)
def test_bad_typed_text_is_invalid_input(text: str) -> None:
    with pytest.raises(VoiceError) as info:
        codec.parse('{"type": "text", "text": ' + text + "}")
    assert info.value.code == ErrorCode.INVALID_INPUT


def test_a_transcript_goes_out_with_its_finality() -> None:
    out = codec.encode_event(TranscriptFrame(text="book a table", final=True))
    assert out is not None and json.loads(out) == {
        "type": "transcript",
        "text": "book a table",
        "final": True,
    }


def test_bot_sentences_and_tokens_go_out_as_bot_text() -> None:
    for frame in (SentenceFrame(text="Sure."), LLMTextFrame(text="Sure.")):
        out = codec.encode_event(frame)
        assert out is not None
        assert json.loads(out) == {"type": "bot_text", "text": "Sure.", "final": False, "interrupted": False}


def test_bot_text_as_played_goes_out_as_bot_text_with_its_flags() -> None:
    out = codec.encode_event(BotTextFrame(text="Paris is", final=True, interrupted=True))
    assert out is not None
    assert json.loads(out) == {"type": "bot_text", "text": "Paris is", "final": True, "interrupted": True}


def test_interim_bot_text_is_a_delta_not_final() -> None:
    out = codec.encode_event(BotTextFrame(text=" is Paris"))
    assert out is not None
    assert json.loads(out) == {"type": "bot_text", "text": " is Paris", "final": False, "interrupted": False}


def test_speaking_events_go_out_by_name() -> None:
    names = [
        json.loads(codec.encode_event(f) or "{}")["type"]
        for f in (BotStartedSpeakingFrame(), UserStoppedSpeakingFrame())
    ]
    assert names == ["bot_started_speaking", "user_stopped_speaking"]


def test_frames_the_page_does_not_show_are_not_sent() -> None:
    assert codec.encode_event(InputAudioFrame(data=b"\x00\x00")) is None


def test_an_error_goes_out_with_its_code() -> None:
    out = json.loads(codec.encode_error(VoiceError(ErrorCode.PIPELINE_ERROR, "boom")))
    assert out == {"type": "error", "code": "pipeline_error", "message": "boom"}


def test_a_hang_up_and_a_transfer_go_out_for_the_page() -> None:
    assert json.loads(codec.encode_event(EndCallFrame()) or "") == {"type": "end_call", "reason": ""}
    transfer = TransferCallFrame(target="+15551234567")
    assert json.loads(codec.encode_event(transfer) or "") == {
        "type": "transfer_call", "target": "+15551234567", "reason": "",
    }  # fmt: skip
