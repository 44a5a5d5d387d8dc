"""Negotiation rules for encoded formats, on framework-only nodes (issue 13)."""

from __future__ import annotations

from typing import ClassVar

import pytest

from voicegraph.framework import AudioFormat, ErrorCode, Graph, NotNegotiatedError, Processor, SampleFormat
from voicegraph.framework.convert import AudioConverter
from voicegraph.framework.formats import MULAW8K, PCM16K, Encoding

OPUS16K = AudioFormat(16000, 1, SampleFormat.OPUS)
PCM8K = AudioFormat(8000, 1, SampleFormat.S16)


class TakesPcm(Processor):
    """A plain node taking 16 kHz s16."""

    accepts = (PCM16K,)


class EncodesFromPcm(Processor):
    """A codec node: takes 16 kHz s16, makes 8 kHz mu-law."""

    accepts = (PCM16K,)
    crosses_encoding: ClassVar[bool] = True

    def output_format(self, input_format: AudioFormat | None) -> AudioFormat | None:
        return MULAW8K


class MakesPackets(Processor):
    """Declares Opus packets on its output, whatever it takes."""

    def output_format(self, input_format: AudioFormat | None) -> AudioFormat | None:
        return OPUS16K


class AnyFormat(Processor):
    """Takes anything (accepts None)."""


def build(*procs: Processor, input_format: AudioFormat) -> Graph:
    return Graph.chain(*procs, input_format=input_format).build()


def test_sample_formats_name_their_encoding_family() -> None:
    assert [f.encoding for f in SampleFormat] == [
        Encoding.LINEAR,
        Encoding.LINEAR,
        Encoding.G711,
        Encoding.G711,
        Encoding.OPUS,
    ]


def test_opus_has_no_sample_width() -> None:
    with pytest.raises(ValueError, match="packet format"):
        _ = OPUS16K.frame_bytes


def test_a_codec_node_refuses_mulaw_where_it_takes_s16() -> None:
    with pytest.raises(NotNegotiatedError) as info:
        build(EncodesFromPcm(), input_format=MULAW8K)
    assert info.value.code is ErrorCode.NOT_NEGOTIATED and info.value.node == "EncodesFromPcm"


def test_a_codec_nodes_output_is_not_decoded_for_a_pcm_node() -> None:
    with pytest.raises(NotNegotiatedError) as info:
        build(EncodesFromPcm(), TakesPcm(), input_format=PCM16K)
    assert info.value.node == "TakesPcm"


def test_a_codec_node_still_gets_its_input_resampled() -> None:
    graph = build(EncodesFromPcm(), input_format=PCM8K)
    conv = next(p for p in graph.processors.values() if isinstance(p, AudioConverter))
    assert (conv.src, conv.dst) == (PCM8K, PCM16K)


def test_a_plain_pcm_node_still_gets_mulaw_decoded() -> None:
    graph = build(TakesPcm(), input_format=MULAW8K)
    conv = next(p for p in graph.processors.values() if isinstance(p, AudioConverter))
    assert (conv.src, conv.dst) == (MULAW8K, PCM16K)


def test_packets_never_get_a_converter_even_between_plain_nodes() -> None:
    with pytest.raises(NotNegotiatedError) as info:
        build(MakesPackets(), TakesPcm(), input_format=PCM16K)
    assert info.value.node == "TakesPcm"


def test_packets_reach_a_node_that_takes_any_format() -> None:
    graph = build(MakesPackets(), AnyFormat(), input_format=PCM16K)
    assert graph.input_formats["AnyFormat"] == OPUS16K


def test_a_fan_in_with_one_packet_branch_is_refused() -> None:
    graph = Graph("fan", input_format=PCM16K)
    pcm, packets, sink = graph.add(AnyFormat(name="pcm")), graph.add(MakesPackets()), graph.add(TakesPcm())
    graph.link(pcm, sink)
    graph.link(packets, sink)
    with pytest.raises(NotNegotiatedError):
        graph.build()


def test_the_refusal_is_one_line_with_both_nodes_and_formats() -> None:
    with pytest.raises(NotNegotiatedError) as info:
        build(MakesPackets(), TakesPcm(), input_format=PCM16K)
    line = str(info.value)
    assert "\n" not in line
    for part in ("MakesPackets -> TakesPcm", str(OPUS16K), "s16 at 16000 Hz"):
        assert part in line


class PlaysMulaw(Processor):
    """A plain telephony sink taking 8 kHz mu-law."""

    accepts = (MULAW8K,)


def test_a_plain_mulaw_sink_still_gets_pcm_encoded() -> None:
    graph = build(AnyFormat(), PlaysMulaw(), input_format=PCM16K)
    conv = next(p for p in graph.processors.values() if isinstance(p, AudioConverter))
    assert (conv.src, conv.dst) == (PCM16K, MULAW8K)


def test_a_codec_nodes_pcm_output_is_not_encoded_for_a_mulaw_sink() -> None:
    class DecodesToPcm(EncodesFromPcm):
        def output_format(self, input_format: AudioFormat | None) -> AudioFormat | None:
            return PCM16K

    with pytest.raises(NotNegotiatedError) as info:
        build(DecodesToPcm(), PlaysMulaw(), input_format=PCM16K)
    assert info.value.node == "PlaysMulaw"
