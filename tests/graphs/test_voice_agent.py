"""The stock voice agent spec: a chain from the transport's input to its output, every engine swappable."""

from __future__ import annotations

import pytest

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import PCM16K
from voicegraph.graphs.voice_agent import (
    VoiceAgentOptions,
    build_voice_agent,
    spoken_format,
    voice_agent_spec,
)
from voicegraph.processors.audio import FormatConverter
from voicegraph.processors.turn import TranscriptAwareTurnDetector
from voicegraph.transports.memory_transport import MemoryTransport

STOCK_ORDER = [
    "input", "vad", "turn", "stt", "resume_filter", "user_context", "agent", "sentences", "tts",
    "assistant_context", "reply_gate", "output",
]  # fmt: skip


def types(options: VoiceAgentOptions) -> dict[str, str]:
    return {n.id: n.type for n in voice_agent_spec(options).nodes}


def test_stock_graph_is_a_chain_from_the_transport_input_to_its_output() -> None:
    spec = voice_agent_spec()
    conn = MemoryTransport(output_format=spoken_format(spec))
    graph = build_voice_agent(conn)
    assert graph.paths() == [STOCK_ORDER]
    assert graph.processors["input"] is conn.input()
    assert graph.processors["output"] is conn.output()


def test_stock_graph_runs_whisper_local_llm_and_piper() -> None:
    assert types(VoiceAgentOptions()) == {
        "input": "transport_input", "vad": "vad", "turn": "silence_turn_detector", "stt": "whisper_stt",
        "resume_filter": "resumed_turn_filter", "user_context": "user_aggregator", "agent": "local_llm",
        "sentences": "sentence_aggregator", "tts": "piper_tts", "assistant_context": "assistant_aggregator",
        "reply_gate": "reply_gate", "output": "transport_output",
    }  # fmt: skip


def test_engine_options_swap_stt_tts_and_agent_types() -> None:
    swapped = types(VoiceAgentOptions(stt="pocketsphinx", tts="espeak", agent="scripted"))
    assert (swapped["stt"], swapped["tts"], swapped["agent"]) == (
        "pocketsphinx_stt",
        "espeak_tts",
        "scripted_agent",
    )


def test_echo_and_false_interruption_options_place_their_nodes_and_move_the_barge_in() -> None:
    spec = voice_agent_spec(VoiceAgentOptions(echo=True, noise=True, false_interruptions=True))
    ids = [n.id for n in spec.nodes]
    assert ids[ids.index("vad") - 2 : ids.index("vad")] == ["echo", "noise"], "AEC first, then noise"
    assert ids[ids.index("stt") + 1] == "false_interruptions"
    vad = next(n for n in spec.nodes if n.id == "vad")
    assert vad.params["interrupt_on_speech"] is False, "the filter decides the barge-in"
    graph = build_voice_agent(MemoryTransport(), VoiceAgentOptions(echo=True, false_interruptions=True))
    kinds = {type(p).__name__ for p in graph.processors.values()}
    assert {"EchoCanceller", "FalseInterruptionFilter"} <= kinds


def test_noise_option_puts_rnnoise_in_front_of_the_vad() -> None:
    ids = [n.id for n in voice_agent_spec(VoiceAgentOptions(noise=True)).nodes]
    assert ids[ids.index("vad") - 1] == "noise"


def test_transcript_aware_turn_detection_moves_the_detector_after_the_stt() -> None:
    options = VoiceAgentOptions(turn="transcript")
    graph = build_voice_agent(MemoryTransport(), options)
    path = graph.paths()[0]
    assert path.index("turn") == path.index("stt") + 1
    assert isinstance(graph.processors["turn"], TranscriptAwareTurnDetector)


def test_barge_in_can_be_switched_off() -> None:
    spec = voice_agent_spec(VoiceAgentOptions(barge_in=False))
    vad = next(n for n in spec.nodes if n.id == "vad")
    assert vad.params["interrupt_on_speech"] is False


def test_params_override_merges_into_a_node() -> None:
    spec = voice_agent_spec(VoiceAgentOptions(params={"vad": {"params": {"stop_secs": 0.3}}}))
    vad = next(n for n in spec.nodes if n.id == "vad")
    assert vad.params["params"] == {"start_secs": 0.2, "stop_secs": 0.3}


def test_params_for_an_unknown_node_are_an_invalid_config_error() -> None:
    with pytest.raises(VoiceError) as err:
        voice_agent_spec(VoiceAgentOptions(params={"nope": {"x": 1}}))
    assert err.value.code is ErrorCode.INVALID_CONFIG


def test_bot_audio_reaches_a_transport_in_the_tts_format_without_conversion() -> None:
    spec = voice_agent_spec()
    graph = build_voice_agent(MemoryTransport(output_format=spoken_format(spec)))
    assert graph.upstream("output") == ["reply_gate"]


def test_a_transport_in_another_format_gets_a_soxr_converter_before_the_output() -> None:
    graph = build_voice_agent(MemoryTransport(output_format=PCM16K))
    (before,) = graph.upstream("output")
    assert isinstance(graph.processors[before], FormatConverter)
