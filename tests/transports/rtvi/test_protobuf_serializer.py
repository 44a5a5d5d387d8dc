"""PipecatProtobufSerializer: Pipecat WebSocket frames in, client messages and RTVI replies out."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pipecat.frames.protobufs import frames_pb2 as pb2

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames.system import BotStartedSpeakingFrame
from voicegraph.transports.client_messages import ClientAudio, ClientEnd, ClientInterrupt, ClientText
from voicegraph.transports.rtvi.protobuf_serializer import ClientFrame, PipecatProtobufSerializer

PB: Any = pb2
IN, OUT = AudioFormat(16000, 1, SampleFormat.S16), AudioFormat(24000, 1, SampleFormat.S16)


def serializer() -> PipecatProtobufSerializer:
    return PipecatProtobufSerializer(IN, OUT)


def rtvi(kind: str, data: Any = None, msg_id: str = "x1") -> bytes:
    text = json.dumps({"label": "rtvi-ai", "type": kind, "id": msg_id, "data": data})
    return bytes(PB.Frame(message=PB.MessageFrame(data=text)).SerializeToString())


def decoded(message: str | bytes) -> dict[str, Any]:
    frame = PB.Frame.FromString(message)
    assert frame.WhichOneof("frame") == "message"
    result: dict[str, Any] = json.loads(frame.message.data)
    return result


def audio(data: bytes, rate: int = 16000, channels: int = 1) -> bytes:
    frame = PB.Frame(audio=PB.AudioRawFrame(audio=data, sample_rate=rate, num_channels=channels))
    return bytes(frame.SerializeToString())


def test_user_audio_in_the_server_format_is_client_audio() -> None:
    assert serializer().parse(audio(b"\x01\x00" * 160)) == ClientAudio(b"\x01\x00" * 160)


@pytest.mark.parametrize(("data", "rate", "code"), [(b"\x00\x00", 24000, ErrorCode.NOT_NEGOTIATED),
                                                    (b"\x00", 16000, ErrorCode.INVALID_INPUT)])  # fmt: skip
def test_audio_in_another_format_or_cut_mid_sample_is_refused(
    data: bytes, rate: int, code: ErrorCode
) -> None:
    with pytest.raises(VoiceError) as info:
        serializer().parse(audio(data, rate))
    assert info.value.code == code


def test_client_ready_is_answered_through_take_replies() -> None:
    s = serializer()
    assert s.parse(rtvi("client-ready", {"version": "2.1.0"}, "r1")) is None
    (reply,) = s.take_replies()
    assert decoded(reply)["type"] == "bot-ready" and decoded(reply)["id"] == "r1"
    assert s.take_replies() == [] and s.take_inputs() == []


def test_send_text_and_disconnect_become_inputs_in_order() -> None:
    s = serializer()
    s.parse(rtvi("send-text", {"content": "hello"}))
    s.parse(rtvi("disconnect-bot", {}))
    inputs = s.take_inputs()
    assert [type(i) for i in inputs] == [ClientFrame, ClientFrame, ClientFrame, ClientEnd]


def test_text_transcription_and_interruption_frames_from_the_client() -> None:
    s = serializer()
    assert s.parse(PB.Frame(text=PB.TextFrame(text="typed")).SerializeToString()) == ClientText("typed")
    transcription = PB.Frame(transcription=PB.TranscriptionFrame(text="said")).SerializeToString()
    assert s.parse(transcription) == ClientText("said")
    assert s.parse(PB.Frame(interruption=PB.InterruptionFrame()).SerializeToString()) == ClientInterrupt()


def test_bot_audio_goes_out_as_audio_frames_at_the_output_rate() -> None:
    frame = PB.Frame.FromString(serializer().encode_audio(b"\x02\x00" * 240))
    assert (frame.audio.sample_rate, frame.audio.num_channels, len(frame.audio.audio)) == (24000, 1, 480)


def test_events_clear_and_errors_are_rtvi_messages() -> None:
    s = serializer()
    (event,) = s.encode_events(BotStartedSpeakingFrame())
    assert decoded(event)["type"] == "bot-started-speaking"
    clear = s.encode_clear()
    assert clear is not None and decoded(clear)["type"] == "bot-interrupted"
    error = s.encode_error(VoiceError(ErrorCode.PROTOCOL_ERROR, "garbage"))
    assert error is not None and decoded(error)["data"] == {
        "error": "protocol_error: garbage",
        "fatal": False,
    }
