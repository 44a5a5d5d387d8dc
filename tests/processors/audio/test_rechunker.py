"""Rechunker node: fixed chunk sizes, carried remainder, drain padding, flush."""

from __future__ import annotations

import numpy as np
import pytest

from tests.processors.audio.graph_run import audio_frames, audio_out, run_graph
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames import InputAudioFrame, OutputAudioFrame
from voicegraph.processors.audio.rechunker import Rechunker

S16 = AudioFormat(16000, 1, SampleFormat.S16)
MULAW = AudioFormat(8000, 1, SampleFormat.MULAW)


def ramp(n: int) -> bytes:
    return (np.arange(n) % 30000).astype(np.int16).tobytes()


@pytest.mark.anyio
async def test_odd_sized_input_comes_out_in_exact_20ms_chunks_in_order() -> None:
    data = ramp(16000)
    frames = [InputAudioFrame(data=data[i : i + 446], format=S16) for i in range(0, len(data), 446)]
    out = audio_out(await run_graph([Rechunker(chunk_ms=20)], frames))
    assert [f.num_samples for f in out] == [320] * 50
    assert b"".join(f.data for f in out) == data


@pytest.mark.anyio
async def test_drain_emits_the_last_partial_chunk_short_by_default() -> None:
    out = audio_out(await run_graph([Rechunker(chunk_ms=10)], audio_frames(ramp(250), S16, 20)))
    assert [f.num_samples for f in out] == [160, 90]


@pytest.mark.anyio
async def test_drain_pads_the_last_chunk_with_silence_when_asked() -> None:
    pcm = np.full(100, 1000, np.int16).tobytes()
    out = audio_out(
        await run_graph([Rechunker(chunk_ms=20, pad_last=True)], [InputAudioFrame(data=pcm, format=S16)])
    )
    (last,) = out
    assert last.num_samples == 320
    assert np.frombuffer(last.data, np.int16)[100:].tolist() == [0] * 220


@pytest.mark.anyio
async def test_mulaw_padding_is_mulaw_silence() -> None:
    frame = InputAudioFrame(data=b"\x10" * 50, format=MULAW)
    (last,) = audio_out(await run_graph([Rechunker(chunk_ms=10, pad_last=True)], [frame]))
    assert last.data == b"\x10" * 50 + b"\xff" * 30


@pytest.mark.anyio
async def test_an_interruption_drops_the_held_bot_remainder() -> None:
    async with Runtime(Graph.chain(Rechunker(chunk_ms=20))) as rt:
        out = rt.collect()
        await rt.push(OutputAudioFrame(data=ramp(500), format=S16))
        await rt.interrupt("barge-in")
        await rt.end()
    assert [f.num_samples for f in audio_out(out)] == [320]


@pytest.mark.anyio
async def test_a_format_change_emits_the_old_remainder_first() -> None:
    frames = [InputAudioFrame(data=ramp(100), format=S16), InputAudioFrame(data=b"\x10" * 80, format=MULAW)]
    out = audio_out(await run_graph([Rechunker(chunk_ms=10)], frames))
    assert [(f.format, f.num_samples) for f in out] == [(S16, 100), (MULAW, 80)]


def test_chunk_ms_that_is_not_whole_samples_is_an_invalid_input_error() -> None:
    with pytest.raises(VoiceError) as err:
        Rechunker(chunk_ms=10.01).chunk_samples(16000)
    assert err.value.code is ErrorCode.INVALID_INPUT


def test_the_declared_latency_is_one_chunk() -> None:
    assert Rechunker(chunk_ms=10).latency.ms == 10.0
