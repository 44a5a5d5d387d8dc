"""Session configuration renders the GA and beta shapes; unsupported formats fail early."""

from __future__ import annotations

import pytest

from voicegraph.framework import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.processors.s2s import (
    OpenAIRealtimeS2S,
    RealtimeAudioFormat,
    RealtimeSessionConfig,
    TurnDetection,
)


def test_ga_session_update_nests_audio_formats_and_turn_detection() -> None:
    config = RealtimeSessionConfig(
        instructions="Be nice.", voice="cedar", turn_detection=TurnDetection(mode="semantic_vad")
    )
    session = config.session_update()["session"]
    assert session["type"] == "realtime"
    assert session["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert session["audio"]["input"]["turn_detection"]["type"] == "semantic_vad"
    assert session["audio"]["output"] == {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "cedar"}
    assert session["instructions"] == "Be nice."


def test_beta_session_update_is_flat_with_string_formats() -> None:
    config = RealtimeSessionConfig(
        protocol="beta", input_format=RealtimeAudioFormat.PCMU, transcription_model="whisper-1"
    )
    session = config.session_update()["session"]
    assert "type" not in session and "audio" not in session
    assert session["input_audio_format"] == "g711_ulaw"
    assert session["output_audio_format"] == "pcm16"
    assert session["input_audio_transcription"] == {"model": "whisper-1"}
    assert session["turn_detection"]["type"] == "server_vad"


def test_turn_detection_none_sends_null_so_the_graph_takes_turns() -> None:
    session = RealtimeSessionConfig(turn_detection=TurnDetection.coerce("none")).session_update()["session"]
    assert session["audio"]["input"]["turn_detection"] is None


def test_a_format_the_protocol_does_not_carry_is_not_negotiated() -> None:
    with pytest.raises(VoiceError) as info:
        RealtimeAudioFormat.parse(AudioFormat(16000, 1, SampleFormat.S16))
    assert info.value.code is ErrorCode.NOT_NEGOTIATED


def test_node_refuses_an_unknown_audio_format_at_construction() -> None:
    with pytest.raises(VoiceError) as info:
        OpenAIRealtimeS2S(audio_format="opus")
    assert info.value.code is ErrorCode.NOT_NEGOTIATED


def test_node_accepts_and_produces_the_wire_format() -> None:
    node = OpenAIRealtimeS2S(audio_format="pcmu")
    mulaw = AudioFormat(8000, 1, SampleFormat.MULAW)
    assert node.accepts == (mulaw,)
    assert node.output_format(None) == mulaw


def test_capabilities_report_speech_to_speech_and_formats() -> None:
    caps = OpenAIRealtimeS2S.capabilities
    assert caps.speech_to_speech and caps.truncation and caps.tools
    assert caps.accepts_input(AudioFormat(24000, 1, SampleFormat.S16))
    assert not caps.accepts_input(AudioFormat(16000, 1, SampleFormat.S16))
    assert caps.as_dict()["input_formats"] == ["24000Hz/1ch/s16", "8000Hz/1ch/mulaw", "8000Hz/1ch/alaw"]


def test_without_auto_respond_provider_vad_still_commits_but_never_replies_itself() -> None:
    node = OpenAIRealtimeS2S(turn_detection="server_vad", auto_respond=False)
    vad = node.config.session_update()["session"]["audio"]["input"]["turn_detection"]
    assert vad["type"] == "server_vad" and vad["create_response"] is False


def test_unknown_turn_detection_fields_are_invalid_config() -> None:
    with pytest.raises(VoiceError) as info:
        TurnDetection.coerce({"type": "server_vad", "loudness": 3})
    assert info.value.code is ErrorCode.INVALID_CONFIG
