from __future__ import annotations

import numpy as np
import pytest

from voicegraph.framework import (
    AudioFormat,
    ErrorCode,
    Graph,
    LatencySpec,
    NotNegotiatedError,
    Outbox,
    Processor,
    Runtime,
    SampleFormat,
    VoiceError,
    handles,
)
from voicegraph.framework.convert import AudioConverter
from voicegraph.framework.frames import AudioFrame, EndFrame

PCM16 = AudioFormat(16000, 1, SampleFormat.S16)
PCM48 = AudioFormat(48000, 1, SampleFormat.S16)
MULAW8 = AudioFormat(8000, 1, SampleFormat.MULAW)


class Wants48k(Processor):
    accepts = (PCM48,)
    latency = LatencySpec(20.0, "lookahead")

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self.formats: list[AudioFormat] = []

    @handles
    async def on_audio(self, frame: AudioFrame, out: Outbox) -> None:
        self.formats.append(frame.format)
        await out.send(frame)


class Only8kStereo(Processor):
    accepts = (AudioFormat(8000, 2, SampleFormat.F32),)


def test_a_converter_is_inserted_where_formats_disagree() -> None:
    sink = Wants48k()
    graph = Graph.chain(sink, input_format=PCM16).build()
    assert any(isinstance(p, AudioConverter) for p in graph.processors.values())
    assert graph.input_formats[sink.name] == PCM48


@pytest.mark.anyio
async def test_inserted_converter_resamples_audio_before_the_node() -> None:
    sink = Wants48k()
    tone = (np.sin(np.arange(320) / 16000 * 2 * np.pi * 440) * 8000).astype("<i2").tobytes()
    async with Runtime(Graph.chain(sink, input_format=PCM16)) as rt:
        out = rt.collect()
        for _ in range(10):
            await rt.push(AudioFrame(data=tone, format=PCM16))
    audio = [f for f in out if isinstance(f, AudioFrame)]
    assert sink.formats and set(sink.formats) == {PCM48}
    total = sum(f.num_samples for f in audio)
    assert abs(total - 9600) <= 3  # 200 ms at 48 kHz
    assert isinstance(out[-1], EndFrame)


def test_mulaw_input_is_decoded_for_a_pcm_node() -> None:
    graph = Graph.chain(Wants48k(), input_format=MULAW8).build()
    conv = next(p for p in graph.processors.values() if isinstance(p, AudioConverter))
    assert (conv.src, conv.dst) == (MULAW8, PCM48)


def test_not_negotiated_is_raised_at_build_when_no_converter_fits() -> None:
    from voicegraph.framework.negotiation import set_converter_factory

    def refuse(src: AudioFormat, dst: AudioFormat) -> Processor:
        raise NotNegotiatedError(f"cannot convert {src} to {dst}")

    set_converter_factory(refuse)
    try:
        with pytest.raises(VoiceError) as info:
            Graph.chain(Only8kStereo(), input_format=PCM16).build()
        assert info.value.code is ErrorCode.NOT_NEGOTIATED
    finally:
        set_converter_factory(None)


def test_latency_budget_is_summed_per_path() -> None:
    graph = Graph.chain(Wants48k(name="a"), Wants48k(name="b")).build()
    (path, total), *_ = graph.latency_budget()
    assert total == 40.0 and path[-2:] == ["a", "b"]
    graph.check_latency_budget(40.0)
    with pytest.raises(VoiceError) as info:
        graph.check_latency_budget(39.0)
    assert info.value.code is ErrorCode.INVALID_CONFIG


def test_cycles_are_rejected() -> None:
    graph = Graph("loop")
    a, b = graph.add(Wants48k()), graph.add(Wants48k())
    graph.link(a, b)
    graph.link(b, a)
    with pytest.raises(VoiceError) as info:
        graph.build()
    assert info.value.code is ErrorCode.INVALID_CONFIG


def test_a_processor_cannot_join_two_graphs() -> None:
    node = Wants48k()
    Graph.chain(node)
    with pytest.raises(VoiceError):
        Graph.chain(node)


def test_a_graph_can_bring_its_own_converter_factory() -> None:
    made: list[tuple[AudioFormat, AudioFormat]] = []

    def factory(src: AudioFormat, dst: AudioFormat) -> Processor:
        made.append((src, dst))
        return AudioConverter(src, dst)

    graph = Graph.chain(Wants48k(), input_format=PCM16)
    graph.converter_factory = factory
    graph.build()
    assert made == [(PCM16, PCM48)]
    other = Graph.chain(Wants48k(), input_format=PCM16).build()  # the process default is untouched
    assert len(made) == 1 and any(isinstance(p, AudioConverter) for p in other.processors.values())
