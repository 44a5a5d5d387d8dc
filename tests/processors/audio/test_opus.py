"""Opus encode/decode (opuslib) on real speech, alone and as graph nodes."""

from __future__ import annotations

import numpy as np
import pytest

from tests.audio.signals import aligned_snr_db, best_lag
from tests.processors.audio.graph_run import audio_frames, audio_out
from tests.speech import synthesize
from voicegraph.audio.opus_stream_decoder import OpusStreamDecoder
from voicegraph.audio.opus_stream_encoder import OpusStreamEncoder
from voicegraph.framework import ErrorEvent, Graph, Runtime
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames import Frame, OutputAudioFrame
from voicegraph.processors.audio.encoded_audio_frame import EncodedAudioFrame
from voicegraph.processors.audio.opus_decoder import OpusDecoder
from voicegraph.processors.audio.opus_encoder import OpusEncoder

TEXT = "The quick brown fox jumps over the lazy dog. Please call me back tomorrow."


def round_trip(rate: int) -> tuple[np.ndarray, np.ndarray, int]:
    x = synthesize(TEXT, rate=rate)
    enc, dec = OpusStreamEncoder(rate), OpusStreamDecoder(rate)
    step = rate // 50
    packets = [p for i in range(0, len(x), step) for p in enc.encode(x[i : i + step].tobytes())]
    packets += enc.finish()
    y = np.frombuffer(b"".join(dec.decode(p) for p in packets), np.int16)
    return x, y, enc.lookahead_samples


@pytest.mark.parametrize("rate", [48000, 16000])
def test_speech_survives_an_opus_round_trip_with_correlation_above_0_93(rate: int) -> None:
    x, y, lookahead = round_trip(rate)
    lag = best_lag(x, y, rate // 20)
    n = min(len(x), len(y) - lag)
    assert abs(lag - lookahead) <= 4  # the decoded audio is late by the codec lookahead
    assert np.corrcoef(x[:n].astype(float), y[lag : lag + n].astype(float))[0, 1] > 0.93
    assert aligned_snr_db(x, y, rate // 20) > 8.0  # measured ~11 dB: Opus is perceptual, not waveform


@pytest.mark.parametrize("rate", [48000, 16000])
def test_every_20ms_of_audio_becomes_one_packet_and_decodes_to_20ms(rate: int) -> None:
    enc, dec = OpusStreamEncoder(rate), OpusStreamDecoder(rate)
    packets = enc.encode(synthesize(TEXT, rate=rate)[: rate // 10].tobytes())
    assert len(packets) == 5
    assert {len(dec.decode(p)) for p in packets} == {rate // 50 * 2}


def test_a_packet_made_at_48k_decodes_at_16k() -> None:
    (packet,) = OpusStreamEncoder(48000).encode(synthesize(TEXT, rate=48000)[:960].tobytes())
    assert len(OpusStreamDecoder(16000).decode(packet)) == 320 * 2


def test_concealment_fills_a_lost_packet_with_the_asked_length() -> None:
    dec = OpusStreamDecoder(16000)
    for packet in OpusStreamEncoder(16000).encode(synthesize(TEXT)[:3200].tobytes()):
        dec.decode(packet)
    assert len(dec.conceal(320)) == 640


def test_a_corrupt_packet_is_an_invalid_input_error() -> None:
    with pytest.raises(VoiceError) as err:
        OpusStreamDecoder(16000).decode(b"\xff\xff\xff")
    assert err.value.code is ErrorCode.INVALID_INPUT


def test_an_unsupported_rate_is_an_invalid_config_error() -> None:
    with pytest.raises(VoiceError) as err:
        OpusStreamEncoder(44100)
    assert err.value.code is ErrorCode.INVALID_CONFIG


@pytest.mark.anyio
async def test_encoder_and_decoder_nodes_carry_speech_through_a_graph() -> None:
    fmt = AudioFormat(16000, 1, SampleFormat.S16)
    x = synthesize(TEXT)
    graph = Graph.chain(OpusEncoder(), OpusDecoder(rate=16000, frame_type=OutputAudioFrame))
    packets: list[Frame] = []
    async with Runtime(graph) as rt:
        out = rt.collect()
        rt.observe("OpusEncoder", "OpusDecoder", lambda f, _: packets.append(f))
        for frame in audio_frames(x.tobytes(), fmt, 30):  # 30 ms in, 20 ms packets out
            await rt.push(frame)
        await rt.end()
    audio = audio_out(out)
    y = np.frombuffer(b"".join(f.data for f in audio), np.int16)
    assert all(type(f) is OutputAudioFrame and f.num_samples == 320 for f in audio)
    assert len(y) == -(-len(x) // 320) * 320  # the drained last frame is padded to 20 ms
    assert all(isinstance(p, EncodedAudioFrame) for p in packets if not type(p).__name__ == "EndFrame")
    assert aligned_snr_db(x, y, 800) > 8.0


@pytest.mark.anyio
async def test_a_corrupt_packet_in_a_graph_is_reported_and_skipped() -> None:
    errors: list[ErrorEvent] = []
    async with Runtime(Graph.chain(OpusDecoder(rate=16000))) as rt:
        rt.bus.subscribe(errors.append, ErrorEvent)
        out = rt.collect()
        await rt.push(EncodedAudioFrame(data=b"\xff\xff\xff", format=AudioFormat(16000)))
        await rt.end()
    assert [e.error.code for e in errors] == [ErrorCode.INVALID_INPUT]
    assert audio_out(out) == []


@pytest.mark.anyio
async def test_the_encoder_node_asks_negotiation_for_an_opus_rate() -> None:
    graph = Graph.chain(OpusEncoder(), input_format=AudioFormat(44100, 1, SampleFormat.S16)).build()
    head = graph.processors[graph.heads()[0]]
    assert head.output_format(AudioFormat(44100)) in OpusEncoder.accepts
