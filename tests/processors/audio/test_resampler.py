"""Resampler and FormatConverter nodes in a running graph."""

from __future__ import annotations

import numpy as np
import pytest

from tests.audio.signals import snr_db, tones
from tests.processors.audio.graph_run import audio_frames, audio_out, run_graph
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames import EndFrame, Frame, InputAudioFrame, OutputAudioFrame, TextFrame
from voicegraph.framework.processor import Processor
from voicegraph.processors.audio import FormatConverter, Resampler, create_converter

PCM16 = AudioFormat(16000, 1, SampleFormat.S16)
PCM48 = AudioFormat(48000, 1, SampleFormat.S16)


def tone_bytes(rate: int, seconds: float) -> bytes:
    return (tones(rate, seconds) * 32768).astype(np.int16).tobytes()


@pytest.mark.anyio
async def test_resampler_emits_steady_20ms_chunks_at_the_new_rate() -> None:
    out = audio_out(
        await run_graph([Resampler(to_rate=48000)], audio_frames(tone_bytes(16000, 2.0), PCM16, 20))
    )
    lengths = [f.num_samples for f in out]
    assert all(f.format == PCM48 for f in out)
    assert set(lengths[1:-1]) == {960}  # after the warm-up chunk; the last is the drained tail


@pytest.mark.anyio
async def test_resampler_drain_emits_the_whole_signal() -> None:
    out = audio_out(
        await run_graph([Resampler(to_rate=48000)], audio_frames(tone_bytes(16000, 1.0), PCM16, 20))
    )
    y = np.frombuffer(b"".join(f.data for f in out), np.int16)
    ref = (tones(48000, 1.0) * 32768).astype(np.int16)
    assert len(y) == 48000
    assert snr_db(ref[2400:-2400], y[2400:-2400]) > 60.0


@pytest.mark.anyio
async def test_resampler_keeps_the_frame_class() -> None:
    frames = audio_frames(tone_bytes(16000, 0.2), PCM16, 20, OutputAudioFrame)
    out = audio_out(await run_graph([Resampler(to_rate=24000)], frames))
    assert out and all(type(f) is OutputAudioFrame for f in out)


@pytest.mark.anyio
async def test_other_frames_pass_through_the_resampler() -> None:
    out = await run_graph([Resampler(to_rate=48000)], [TextFrame(text="hi")])
    want: list[type[Frame]] = [TextFrame, EndFrame]
    assert [type(f) for f in out] == want


@pytest.mark.anyio
async def test_an_interruption_drops_bot_audio_held_in_the_resampler() -> None:
    graph = Graph.chain(Resampler(to_rate=48000))
    async with Runtime(graph) as rt:
        out = rt.collect()
        for f in audio_frames(tone_bytes(16000, 0.2), PCM16, 20, OutputAudioFrame):
            await rt.push(f)
        before = sum(f.num_samples for f in audio_out(out))
        await rt.interrupt("barge-in")
        await rt.end()
    assert sum(f.num_samples for f in audio_out(out)) == before  # nothing held came out after


@pytest.mark.anyio
async def test_an_interruption_keeps_user_audio_held_in_the_resampler() -> None:
    graph = Graph.chain(Resampler(to_rate=48000))
    async with Runtime(graph) as rt:
        out = rt.collect()
        for f in audio_frames(tone_bytes(16000, 0.2), PCM16, 20, InputAudioFrame):
            await rt.push(f)
        await rt.interrupt("barge-in")
        await rt.end()
    assert sum(f.num_samples for f in audio_out(out)) == 0.2 * 48000


@pytest.mark.anyio
async def test_format_converter_changes_rate_channels_and_sample_format() -> None:
    to = AudioFormat(8000, 2, SampleFormat.MULAW)
    out = audio_out(
        await run_graph([FormatConverter(to=to)], audio_frames(tone_bytes(16000, 0.5), PCM16, 20))
    )
    assert all(f.format == to for f in out)
    assert sum(len(f.data) for f in out) == 0.5 * 8000 * 2


@pytest.mark.anyio
async def test_a_format_change_mid_stream_drains_the_old_converter_first() -> None:
    frames = [
        *audio_frames(tone_bytes(16000, 0.2), PCM16, 20),
        *audio_frames(tone_bytes(48000, 0.2), PCM48, 20),
    ]
    out = audio_out(await run_graph([Resampler(to_rate=24000)], frames))
    assert sum(f.num_samples for f in out) == 2 * 0.2 * 24000


class Needs16k(Processor):
    """Accepts 16 kHz mono s16 only."""

    accepts = (PCM16,)


@pytest.mark.anyio
@pytest.mark.usefixtures("soxr_negotiation")
async def test_negotiation_inserts_the_soxr_converter_once_registered() -> None:
    graph = Graph.chain(Needs16k(), input_format=PCM48).build()
    inserted = [p for p in graph.processors.values() if type(p) is FormatConverter]
    out = audio_out(await run_graph(graph, audio_frames(tone_bytes(48000, 0.5), PCM48, 20)))
    assert len(inserted) == 1
    assert all(f.format == PCM16 for f in out) and sum(f.num_samples for f in out) == 8000


def test_a_non_positive_rate_is_an_invalid_config_error() -> None:
    with pytest.raises(VoiceError) as err:
        Resampler(to_rate=0)
    assert err.value.code is ErrorCode.INVALID_CONFIG


def test_an_inserted_converter_declares_its_measured_latency() -> None:
    assert 30.0 < create_converter(PCM48, PCM16).latency.ms < 45.0
    assert create_converter(PCM16, AudioFormat(16000, 1, SampleFormat.MULAW)).latency.ms == 0.0
