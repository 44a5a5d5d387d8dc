"""Custom processors at named positions: before STT and after TTS in order, around S2S,
after the input (running on real audio)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from voicegraph.backends.processor_slots import ProcessorSlot, insert_processors, spec_slot
from voicegraph.framework import Graph, Outbox, Processor, handles
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import AudioFrame, OutputAudioFrame
from voicegraph.processors.agent.echo_agent import EchoAgent
from voicegraph.processors.audio import Gain
from voicegraph.processors.stt import PocketSphinxSTT
from voicegraph.processors.text import SentenceAggregator
from voicegraph.processors.tts import EspeakTTS
from voicegraph.processors.vad import VoiceActivityDetector
from voicegraph.transports.memory_transport import MemoryTransport

from .support import memory_backend

pytestmark = pytest.mark.anyio


def _path(graph: Graph, start: str) -> list[str]:
    path = [start]
    while graph.downstream(path[-1]):
        path.append(graph.downstream(path[-1])[0])
    return path


def voice_graph(conn: Any) -> Graph:
    return Graph.chain(
        conn.input(), VoiceActivityDetector(engine="energy", name="vad"), PocketSphinxSTT(name="stt"),
        EchoAgent(name="agent"), SentenceAggregator(name="sentences"), EspeakTTS(name="tts"), conn.output(),
    )  # fmt: skip


def test_slots_go_before_stt_and_after_tts_in_their_order() -> None:
    graph = voice_graph(MemoryTransport())
    insert_processors(
        graph,
        [
            ProcessorSlot("before_stt", lambda: Gain(gain=2.0, name="boost"), order=2),
            ProcessorSlot("before_stt", lambda: Gain(gain=0.9, name="trim"), order=1),
            ProcessorSlot("after_tts", lambda: Gain(gain=0.5, name="quiet")),
        ],
    )
    graph.build()
    path = _path(graph, graph.heads()[0])
    stt, tts = path.index("stt"), path.index("tts")
    assert path[stt - 3 : stt + 1] == ["vad", "before_stt_trim", "before_stt_boost", "stt"]
    assert path[tts + 1] == "after_tts_quiet"


def test_slots_at_a_position_with_two_targets_and_two_of_one_name_get_distinct_names() -> None:
    graph = Graph("two_stt")
    graph.add(VoiceActivityDetector(engine="energy", name="vad"))
    for name in ("stt_a", "stt_b"):
        graph.add(PocketSphinxSTT(name=name))
        graph.link("vad", name)
    insert_processors(
        graph,
        [
            ProcessorSlot("before_stt", lambda: Gain(gain=2.0, name="boost")),
            ProcessorSlot("before_stt", lambda: Gain(gain=0.5, name="boost"), order=1),
        ],
    )
    assert graph.upstream("stt_a") == ["before_stt_stt_a_boost_2"]
    assert graph.upstream("before_stt_stt_a_boost_2") == ["before_stt_stt_a_boost"]
    assert graph.upstream("stt_b") == ["before_stt_stt_b_boost_2"]
    assert graph.upstream("before_stt_stt_b_boost") == ["vad"]


class SpeechToSpeech(Processor):
    """Stands in for a speech-to-speech model: answers audio with the same audio."""

    role = "s2s"

    @handles
    async def on_audio(self, frame: AudioFrame, out: Outbox) -> None:
        await out.send(OutputAudioFrame(data=frame.data, format=frame.format))


def test_slots_wrap_a_speech_to_speech_node() -> None:
    graph = Graph.chain(Gain(name="head"), SpeechToSpeech(name="model"), Gain(name="tail"))
    insert_processors(
        graph,
        [
            ProcessorSlot("before_s2s", lambda: Gain(name="pre")),
            ProcessorSlot("after_s2s", lambda: Gain(name="post")),
        ],
    )
    assert _path(graph, "head") == ["head", "before_s2s_pre", "model", "after_s2s_post", "tail"]


def test_a_position_the_graph_lacks_is_invalid_config() -> None:
    graph = Graph.chain(Gain(name="a"), Gain(name="b"))
    with pytest.raises(VoiceError) as err:
        insert_processors(graph, [ProcessorSlot("before_stt", lambda: Gain())])
    assert err.value.code is ErrorCode.INVALID_CONFIG


def test_registry_slots_validate_their_params() -> None:
    with pytest.raises(VoiceError) as err:
        spec_slot("after_input", "gain", {"gain": "loud"})
    assert err.value.code is ErrorCode.INVALID_CONFIG


def loopback(conn: Any) -> Graph:
    return Graph.chain(conn.input(), SpeechToSpeech(), conn.output())


async def test_a_processor_after_the_input_runs_on_each_sessions_audio() -> None:
    from voicegraph.backends.processor_slots import with_processors

    factory = with_processors(loopback, [spec_slot("after_input", "gain", {"gain": 0.5})])
    tone = (np.sin(np.arange(3200) * 2 * np.pi * 440 / 16000) * 8000).astype("<i2")
    async with memory_backend(factory) as backend:
        client = await backend.transport.connect()
        await client.send_audio(tone.tobytes())
        await client.end()
        await client.wait_finished()
    played = b"".join(f.data for f in client.outputs_nowait() if isinstance(f, OutputAudioFrame))
    out = np.frombuffer(played, dtype="<i2")
    assert len(out) >= len(tone)
    assert abs(int(np.abs(out).max()) - 4000) <= 2
