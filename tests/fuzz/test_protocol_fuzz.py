"""Hypothesis: every WebSocket/data-channel protocol parser answers any message, however
malformed, with a parsed message or a coded `VoiceError`, never another exception.

Parsers: raw PCM, Twilio Media Streams, Vocode (conversation and agent), Pipecat's
protobuf frames with RTVI inside, RTVI over Daily app messages and over SmallWebRTC's
data channel, the WebRTC data channel.
Each runs before and after its start message, on random messages, on valid messages with
mutated fields, and on JSON nested too deep for the parser.
"""

from __future__ import annotations

import base64
import io
import json
import wave
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from voicegraph.backends.providers.vocode.agent_serializer import VocodeAgentSerializer
from voicegraph.backends.providers.vocode.conversation_serializer import VocodeConversationSerializer
from voicegraph.framework.errors import VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.transports.daily.app_message_frame import AppMessageFrame
from voicegraph.transports.daily.rtvi_daily_connection import RTVIDailyConnection
from voicegraph.transports.raw_pcm_serializer import RawPCMSerializer
from voicegraph.transports.rtvi.protobuf_frames import (
    PbAudio,
    PbMessage,
    PbText,
    PbTranscription,
    encode_frame,
)
from voicegraph.transports.rtvi.protobuf_serializer import PipecatProtobufSerializer
from voicegraph.transports.serializer import Serializer
from voicegraph.transports.twilio_serializer import TwilioSerializer
from voicegraph.transports.webrtc.data_channel_codec import DataChannelCodec
from voicegraph.transports.webrtc.small_webrtc_connection import SmallWebRTCConnection

from .strategies import FUZZ, coded, deep_json, json_values, messages, mutated

PCM16K = AudioFormat(16000, 1, SampleFormat.S16)
RAW_START = {"type": "start", "sample_rate": 16000, "channels": 1, "output_sample_rate": 16000}
VOCODE_START = {
    "type": "websocket_audio_config_start",
    "input_audio_config": {"sampling_rate": 16000, "audio_encoding": "linear16", "chunk_size": 320},
    "output_audio_config": {"sampling_rate": 16000, "audio_encoding": "linear16"},
    "conversation_id": "c1",
    "subscribe_transcript": True,
}
TWILIO_START = {"event": "start", "streamSid": "MZ1", "start": {"callSid": "CA1"}}
RTVI_TYPES = [
    "client-ready",
    "send-text",
    "append-to-context",
    "client-message",
    "dtmf",
    "disconnect-bot",
    "x",
]


def started(make: type[Serializer], start: dict[str, Any]) -> Serializer:
    s = make()
    s.parse(json.dumps(start))
    return s


def both(make: type[Serializer], start: dict[str, Any], message: str | bytes) -> None:
    """`message` to a fresh serializer and to one past its start message."""
    coded(lambda: make().parse(message))
    s = started(make, start)
    coded(lambda: s.parse(message))


@FUZZ
@given(messages)
def test_raw_pcm_answers_any_message_with_a_code(message: str | bytes) -> None:
    both(RawPCMSerializer, RAW_START, message)


@FUZZ
@given(mutated(RAW_START))
def test_raw_pcm_answers_a_mutated_start_with_a_code(start: dict[str, Any]) -> None:
    coded(lambda: RawPCMSerializer().parse(json.dumps(start)))


@FUZZ
@given(st.sampled_from([1, 2]), st.binary(max_size=4099) | st.integers(0, 2_000_000).map(bytes))
def test_raw_pcm_takes_only_whole_sample_frames(channels: int, audio: bytes) -> None:
    s = started(RawPCMSerializer, {**RAW_START, "channels": channels})
    whole = bool(audio) and len(audio) % (2 * channels) == 0
    assert (coded(lambda: s.parse(audio)).__class__.__name__ == "ClientAudio") == whole


@FUZZ
@given(messages | mutated(TWILIO_START).map(json.dumps))
def test_twilio_answers_any_message_with_a_code(message: str | bytes) -> None:
    both(TwilioSerializer, TWILIO_START, message)


@FUZZ
@given(messages | mutated(VOCODE_START).map(json.dumps))
def test_vocode_conversation_answers_any_message_with_a_code(message: str | bytes) -> None:
    both(VocodeConversationSerializer, VOCODE_START, message)


def _wav(rate: int, channels: int, width: int, frames: bytes) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(frames)
    return buf.getvalue()


wavs = st.builds(
    _wav, st.sampled_from([8000, 16000, 44100]), st.integers(1, 3), st.integers(1, 4), st.binary(max_size=64)
)
riff = st.binary(max_size=80).map(lambda b: b"RIFF" + b)
broken_wavs = st.builds(lambda w, cut, junk: w[:cut] + junk, wavs, st.integers(0, 60), st.binary(max_size=8))


@FUZZ
@given(wavs | riff | broken_wavs)
def test_vocode_audio_that_looks_like_wav_gets_a_code(data: bytes) -> None:
    s = started(VocodeConversationSerializer, VOCODE_START)
    payload = base64.b64encode(data).decode()
    coded(lambda: s.parse(json.dumps({"type": "websocket_audio", "data": payload})))


@FUZZ
@given(
    messages
    | st.builds(
        lambda kind, data, cid: json.dumps({"type": kind, "data": data, "conversation_id": cid}),
        st.sampled_from(["websocket_agent_text", "websocket_agent_stop", "x"]),
        json_values | st.fixed_dictionaries({"text": json_values}),
        json_values,
    )
)
def test_vocode_agent_answers_any_message_with_a_code(message: str | bytes) -> None:
    coded(lambda: VocodeAgentSerializer().parse(message))


rtvi_messages = st.builds(
    lambda kind, data, msg_id, label: {"label": label, "type": kind, "id": msg_id, "data": data},
    st.sampled_from(RTVI_TYPES) | st.text(max_size=8) | json_values,
    json_values,
    st.text(max_size=8) | json_values,
    st.just("rtvi-ai"),
)
protobuf_frames = st.one_of(
    st.builds(PbText, text=st.text(max_size=64)),
    st.builds(
        PbAudio,
        audio=st.binary(max_size=642),
        sample_rate=st.sampled_from([0, 8000, 16000, 48000, 2**31]),
        num_channels=st.integers(0, 8),
    ),
    st.builds(PbMessage, data=st.text(max_size=64) | rtvi_messages.map(json.dumps) | deep_json),
).map(encode_frame)
mutated_frames = st.builds(
    lambda frame, cut, junk: frame[:cut] + junk, protobuf_frames, st.integers(0, 40), st.binary(max_size=16)
)


@FUZZ
@given(messages | protobuf_frames | mutated_frames | rtvi_messages.map(json.dumps))
def test_pipecat_protobuf_answers_any_frame_with_a_code(message: str | bytes) -> None:
    s = PipecatProtobufSerializer(PCM16K, PCM16K)
    coded(lambda: s.parse(message))
    s.take_replies(), s.take_inputs()


@FUZZ
@given(
    st.text(min_size=1, max_size=64)
    | st.builds(str.__mul__, st.sampled_from("aé😀 "), st.integers(4000, 6000)),
    st.sampled_from([PbText, PbTranscription]),
)
def test_pipecat_text_frames_are_bounded_like_every_typed_text(text: str, kind: type[PbText]) -> None:
    result = coded(lambda: PipecatProtobufSerializer(PCM16K, PCM16K).parse(encode_frame(kind(text=text))))
    assert isinstance(result, VoiceError) == (len(text) > 4096)


@FUZZ
@given(st.lists(json_values | rtvi_messages, min_size=1, max_size=6))
def test_rtvi_over_daily_app_messages_never_raises(batch: list[Any]) -> None:
    conn = RTVIDailyConnection("room", "bot")
    for message in batch:
        conn.feed(AppMessageFrame(message=message, sender="p1"))
    assert conn.messages_in == len(batch)


@FUZZ
@given(
    messages | st.builds(lambda k, t: json.dumps({"type": k, "text": t}), st.text(max_size=10), json_values)
)
def test_data_channel_answers_any_message_with_a_code(message: str | bytes) -> None:
    coded(lambda: DataChannelCodec().parse(message))


signalling = st.builds(
    lambda inner: '{"type":"signalling","message":' + inner + "}",
    json_values.map(json.dumps) | deep_json | st.text(max_size=20),
)


@FUZZ
@given(st.lists(messages | signalling | rtvi_messages.map(json.dumps), min_size=1, max_size=4))
def test_small_webrtc_data_channel_takes_any_message(batch: list[str | bytes]) -> None:
    """The data channel handler runs in aiortc's event callback: nothing may escape it."""
    conn = SmallWebRTCConnection()
    for message in batch:
        conn._on_message(message)
