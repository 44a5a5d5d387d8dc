"""Pipecat's protobuf frames, hand-encoded, agree with Pipecat's own generated `frames_pb2`."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pipecat.frames.protobufs import frames_pb2 as pb2

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.transports.rtvi.protobuf_frames import (
    PbAudio,
    PbInterruption,
    PbMessage,
    PbText,
    PbTranscription,
    decode_frame,
    encode_frame,
)

PB: Any = pb2  # generated code without type information


@given(st.binary(max_size=2000), st.sampled_from([8000, 16000, 24000, 48000]), st.integers(1, 2))
def test_audio_we_encode_is_read_by_pipecat(audio: bytes, rate: int, channels: int) -> None:
    got = PB.Frame.FromString(encode_frame(PbAudio(audio, rate, channels)))
    assert got.WhichOneof("frame") == "audio"
    assert (got.audio.audio, got.audio.sample_rate, got.audio.num_channels) == (audio, rate, channels)


@given(st.text(max_size=300))
def test_messages_we_encode_are_read_by_pipecat(data: str) -> None:
    got = PB.Frame.FromString(encode_frame(PbMessage(data)))
    assert got.WhichOneof("frame") == "message" and got.message.data == data


@given(st.binary(min_size=2, max_size=2000), st.integers(1, 96000), st.integers(0, 8), st.text(max_size=20))
def test_audio_pipecat_encodes_is_read_by_us(audio: bytes, rate: int, channels: int, name: str) -> None:
    sent = PB.Frame(audio=PB.AudioRawFrame(id=7, name=name, audio=audio, sample_rate=rate,
                                                         num_channels=channels, pts=123))  # fmt: skip
    assert decode_frame(sent.SerializeToString()) == PbAudio(audio, rate, channels, name)


@given(st.text(max_size=300), st.text(max_size=30), st.text(max_size=30))
def test_text_transcription_and_message_frames_from_pipecat_are_read(
    text: str, user: str, stamp: str
) -> None:
    frames = [
        (PB.Frame(text=PB.TextFrame(id=1, name="n", text=text)), PbText(text, "n")),
        (
            PB.Frame(transcription=PB.TranscriptionFrame(text=text, user_id=user, timestamp=stamp)),
            PbTranscription(text, user, stamp),
        ),
        (PB.Frame(message=PB.MessageFrame(data=text)), PbMessage(text)),
    ]  # fmt: skip
    for sent, ours in frames:
        assert decode_frame(sent.SerializeToString()) == ours


def test_interruption_round_trips_both_ways() -> None:
    sent = PB.Frame(interruption=PB.InterruptionFrame(id=3, name="i"))
    assert decode_frame(sent.SerializeToString()) == PbInterruption()
    assert PB.Frame.FromString(encode_frame(PbInterruption())).WhichOneof("frame") == "interruption"


@pytest.mark.parametrize("data", [b"", b"\xff", b"\x12\x05ab", b"\x0b\x00", b"\x22\x03\x0a\x01\xff"])
def test_garbage_is_a_protocol_error(data: bytes) -> None:
    with pytest.raises(VoiceError) as info:
        decode_frame(data)
    assert info.value.code == ErrorCode.PROTOCOL_ERROR


@given(st.binary(max_size=64))
def test_any_bytes_decode_or_raise_protocol_error(data: bytes) -> None:
    try:
        decode_frame(data)
    except VoiceError as err:
        assert err.code == ErrorCode.PROTOCOL_ERROR
