"""The Vocode serializers on their own (I/O-free): formats, WAV chunks, transcripts, replies."""

from __future__ import annotations

import base64
import io
import json
import wave

import pytest

from voicegraph.backends.providers.vocode import VocodeAgentSerializer, VocodeConversationSerializer
from voicegraph.backends.providers.vocode.conversation_serializer import wav_chunk
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import MULAW8K, PCM16K
from voicegraph.framework.frames.bot_text import BotTextFrame
from voicegraph.framework.frames.llm import LLMResponseEndFrame, LLMResponseStartFrame, LLMTextFrame
from voicegraph.framework.frames.text import TranscriptFrame
from voicegraph.transports.client_messages import ClientAudio, ClientEnd, ClientStart, ClientText


def start(rate: int = 16000, encoding: str = "linear16", **extra: object) -> str:
    return json.dumps({
        "type": "websocket_audio_config_start",
        "input_audio_config": {"sampling_rate": rate, "audio_encoding": encoding, "chunk_size": 2048},
        "output_audio_config": {"sampling_rate": rate, "audio_encoding": encoding},
        **extra,
    })  # fmt: skip


def audio(data: bytes) -> str:
    return json.dumps({"type": "websocket_audio", "data": base64.b64encode(data).decode()})


def test_the_start_message_sets_formats_and_the_conversation_id() -> None:
    ser = VocodeConversationSerializer()
    msg = ser.parse(start(conversation_id="c-1"))
    assert isinstance(msg, ClientStart)
    assert (msg.input_format, msg.output_format, msg.call_id) == (PCM16K, PCM16K, "c-1")
    assert msg.params == {"conversation_id": "c-1"}


def test_mulaw_at_8k_is_served_raw_not_as_wav() -> None:
    ser = VocodeConversationSerializer()
    msg = ser.parse(start(8000, "mulaw"))
    assert isinstance(msg, ClientStart) and msg.output_format == MULAW8K
    sent = json.loads(ser.encode_audio(b"\xff" * 160))
    assert base64.b64decode(sent["data"]) == b"\xff" * 160


def test_linear16_bot_audio_is_one_wav_file_per_chunk() -> None:
    ser = VocodeConversationSerializer()
    ser.parse(start(24000))
    sent = json.loads(ser.encode_audio(b"\x01\x00" * 480))
    with wave.open(io.BytesIO(base64.b64decode(sent["data"])), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getnframes()) == (24000, 1, 480)


def test_wav_chunks_from_the_browser_are_unwrapped() -> None:
    ser = VocodeConversationSerializer()
    ser.parse(start())
    msg = ser.parse(audio(wav_chunk(b"\x02\x00" * 320, 16000)))
    assert msg == ClientAudio(b"\x02\x00" * 320)


@pytest.mark.parametrize(
    ("message", "code"),
    [
        (audio(wav_chunk(b"\x02\x00" * 320, 48000)), ErrorCode.NOT_NEGOTIATED),
        (audio(b"\x01\x02\x03"), ErrorCode.INVALID_INPUT),
        (json.dumps({"type": "websocket_audio", "data": 5}), ErrorCode.INVALID_INPUT),
        (b"\x00\x01", ErrorCode.PROTOCOL_ERROR),
        (start(), ErrorCode.PROTOCOL_ERROR),
    ],
)
def test_bad_messages_after_start_are_coded(message: str | bytes, code: ErrorCode) -> None:
    ser = VocodeConversationSerializer()
    ser.parse(start())
    with pytest.raises(VoiceError) as info:
        ser.parse(message)
    assert info.value.code == code


def test_a_rate_it_does_not_serve_is_not_negotiated() -> None:
    with pytest.raises(VoiceError) as info:
        VocodeConversationSerializer().parse(start(11025))
    assert info.value.code == ErrorCode.NOT_NEGOTIATED


def test_stop_ends_without_letting_the_bot_finish() -> None:
    ser = VocodeConversationSerializer()
    ser.parse(start())
    assert ser.parse(json.dumps({"type": "websocket_stop"})) == ClientEnd(drain=False)


def test_transcripts_go_out_only_when_subscribed() -> None:
    quiet, chatty = VocodeConversationSerializer(), VocodeConversationSerializer()
    quiet.parse(start())
    chatty.parse(start(subscribe_transcript=True))
    frames = [TranscriptFrame(text="hi"), BotTextFrame(text="hello there", final=True)]
    assert [quiet.encode_event(f) for f in frames] == [None, None]
    sent = [json.loads(str(chatty.encode_event(f))) for f in frames]
    assert [(m["type"], m["sender"], m["text"]) for m in sent] == [
        ("websocket_transcript", "human", "hi"),
        ("websocket_transcript", "bot", "hello there"),
    ]
    assert chatty.encode_event(BotTextFrame(text="interim", final=False)) is None


def test_the_agent_sends_one_text_per_reply_with_the_conversation_id() -> None:
    ser = VocodeAgentSerializer()
    text = {"type": "websocket_agent_text", "data": {"text": "hi"}, "conversation_id": "c-9"}
    assert ser.parse(json.dumps(text)) == ClientText("hi")
    frames = [LLMResponseStartFrame(), LLMTextFrame(text="Hello"), LLMTextFrame(text=" you.")]
    assert [ser.encode_event(f) for f in frames] == [None, None, None]
    reply = json.loads(str(ser.encode_event(LLMResponseEndFrame())))
    assert reply == {"type": "websocket_agent_text", "data": {"text": "Hello you."}, "conversation_id": "c-9"}
    assert json.loads(str(ser.encode_end())) == {"type": "websocket_agent_stop", "conversation_id": "c-9"}
