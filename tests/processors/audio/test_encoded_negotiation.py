"""Encoded formats (G.711, Opus) are negotiated at build time like PCM (issue 13)."""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np
import pytest

from tests.processors.audio.graph_run import audio_frames, audio_out, run_graph
from tests.speech import synthesize
from voicegraph.audio import g711
from voicegraph.framework import Graph
from voicegraph.framework.errors import ErrorCode, NotNegotiatedError
from voicegraph.framework.formats import MULAW8K, PCM16K, AudioFormat, SampleFormat
from voicegraph.framework.frames import OutputAudioFrame
from voicegraph.framework.processor import Processor
from voicegraph.processors.audio import (
    G711Decoder,
    G711Encoder,
    Gain,
    OpusDecoder,
    OpusEncoder,
    Rechunker,
    WavRecorder,
)
from voicegraph.processors.audio.format_converter import FormatConverter

PCM8K = AudioFormat(8000, 1, SampleFormat.S16)


class TakesPcm16k(Processor):
    """A plain node that takes 16 kHz s16 (like a VAD)."""

    accepts = (PCM16K,)


def refused(*procs: Processor, input_format: AudioFormat) -> NotNegotiatedError:
    with pytest.raises(NotNegotiatedError) as info:
        Graph.chain(*procs, input_format=input_format).build()
    assert info.value.code is ErrorCode.NOT_NEGOTIATED
    return info.value


def test_opus_packets_into_a_g711_decoder_fail_at_build() -> None:
    err = refused(OpusEncoder(), G711Decoder(), input_format=PCM16K)
    assert err.node == "G711Decoder"


def test_mulaw_into_an_opus_encoder_fails_at_build() -> None:
    err = refused(G711Encoder(), OpusEncoder(), input_format=PCM8K)
    assert err.node == "OpusEncoder"


def test_mulaw_graph_input_into_an_opus_encoder_fails_at_build() -> None:
    refused(OpusEncoder(), input_format=MULAW8K)


def test_s16_into_a_g711_decoder_fails_at_build() -> None:
    refused(G711Decoder(), input_format=PCM8K)


def test_s16_into_an_opus_decoder_fails_at_build() -> None:
    refused(OpusDecoder(rate=16000), input_format=PCM16K)


def test_opus_packets_into_a_pcm_node_fail_at_build() -> None:
    refused(OpusEncoder(), TakesPcm16k(), input_format=PCM16K)


def test_opus_packets_into_a_resampler_fail_at_build() -> None:
    refused(OpusEncoder(), FormatConverter(to=PCM8K), input_format=PCM16K)


@pytest.mark.parametrize("make", [Gain, Rechunker, lambda: WavRecorder(path=os.devnull)])
def test_opus_packets_into_a_sample_node_fail_at_build(make: Callable[[], Processor]) -> None:
    refused(OpusEncoder(), make(), input_format=PCM16K)


def test_mulaw_still_reaches_a_gain_unconverted() -> None:
    graph = Graph.chain(Gain(gain_db=-6.0), input_format=MULAW8K).build()
    assert list(graph.processors) == ["Gain"]


def test_encoded_mulaw_is_not_decoded_behind_the_encoders_back() -> None:
    refused(G711Encoder(), TakesPcm16k(), input_format=PCM8K)


def test_the_refusal_is_one_line_naming_both_nodes_and_formats() -> None:
    err = refused(G711Encoder(), OpusEncoder(), input_format=PCM8K)
    line = str(err)
    assert "\n" not in line
    for part in ("G711Encoder", "OpusEncoder", "8000Hz/1ch/mulaw", "s16"):
        assert part in line


def test_g711_round_trip_builds_with_both_formats_negotiated() -> None:
    graph = Graph.chain(G711Encoder(), G711Decoder(), TakesPcm16k(), input_format=PCM8K).build()
    assert graph.input_formats["G711Decoder"] == MULAW8K
    assert graph.output_formats["G711Decoder"] == PCM8K


def test_opus_round_trip_builds_with_the_packet_format_between_the_nodes() -> None:
    graph = Graph.chain(OpusEncoder(), OpusDecoder(rate=16000), input_format=PCM16K).build()
    packets = graph.input_formats["OpusDecoder"]
    assert packets is not None and packets.sample_format is SampleFormat.OPUS
    assert (packets.rate, packets.channels) == (16000, 1)
    assert graph.output_formats["OpusDecoder"] == PCM16K


def test_telephony_mulaw_input_is_still_decoded_for_a_pcm_node() -> None:
    graph = Graph.chain(TakesPcm16k(), input_format=MULAW8K).build()
    assert len(graph.processors) == 2  # the inserted converter and the node


def test_a_pcm_rate_change_before_an_opus_encoder_is_still_inserted() -> None:
    graph = Graph.chain(OpusEncoder(), input_format=AudioFormat(44100)).build()
    assert len(graph.processors) == 2


@pytest.mark.anyio
async def test_a_negotiated_g711_round_trip_runs() -> None:
    speech = synthesize("Your call is important to us.", rate=8000)
    graph = Graph.chain(G711Encoder(law="mulaw"), G711Decoder(), input_format=PCM8K)
    out = audio_out(await run_graph(graph, audio_frames(speech.tobytes(), PCM8K, 20)))
    y = np.frombuffer(b"".join(f.data for f in out), np.int16)
    assert np.array_equal(y, g711.mulaw_decode(g711.mulaw_encode(speech)))


@pytest.mark.anyio
async def test_a_negotiated_opus_round_trip_runs() -> None:
    speech = synthesize("Your call is important to us.")
    graph = Graph.chain(
        OpusEncoder(), OpusDecoder(rate=16000, frame_type=OutputAudioFrame), input_format=PCM16K
    )
    out = audio_out(await run_graph(graph, audio_frames(speech.tobytes(), PCM16K, 20)))
    assert sum(f.num_samples for f in out) >= len(speech)
    assert all(f.format == PCM16K for f in out)
