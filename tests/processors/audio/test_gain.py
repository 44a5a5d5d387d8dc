"""Gain node: scaling in every sample format, clipping, dB."""

from __future__ import annotations

import numpy as np
import pytest

from tests.processors.audio.graph_run import audio_out, run_graph
from voicegraph.audio import g711
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames import AudioFrame, InputAudioFrame
from voicegraph.processors.audio.gain import Gain

S16 = AudioFormat(16000, 1, SampleFormat.S16)


async def through(gain: Gain, frame: AudioFrame) -> AudioFrame:
    (out,) = audio_out(await run_graph([gain], [frame]))
    return out


@pytest.mark.anyio
async def test_gain_doubles_s16_samples_and_clips_at_full_scale() -> None:
    pcm = np.array([100, -100, 20000, -20000], np.int16)
    out = await through(Gain(gain=2.0), InputAudioFrame(data=pcm.tobytes(), format=S16))
    assert np.frombuffer(out.data, np.int16).tolist() == [200, -200, 32767, -32768]


@pytest.mark.anyio
async def test_gain_in_db_halves_f32_samples_at_minus_6_db() -> None:
    fmt = AudioFormat(16000, 1, SampleFormat.F32)
    pcm = np.array([0.5, -0.25], np.float32)
    out = await through(Gain(gain_db=-6.0206), InputAudioFrame(data=pcm.tobytes(), format=fmt))
    assert np.allclose(np.frombuffer(out.data, np.float32), [0.25, -0.125], atol=1e-5)


@pytest.mark.anyio
async def test_gain_scales_mulaw_audio_in_the_linear_domain() -> None:
    fmt = AudioFormat(8000, 1, SampleFormat.MULAW)
    pcm = np.array([1000, -4000], np.int16)
    out = await through(Gain(gain=0.5), InputAudioFrame(data=g711.mulaw_encode(pcm), format=fmt))
    halved = np.round(g711.mulaw_decode(g711.mulaw_encode(pcm)) * 0.5).astype(np.int16)
    assert out.data == g711.mulaw_encode(halved)


@pytest.mark.anyio
async def test_unity_gain_forwards_the_same_frame() -> None:
    frame = InputAudioFrame(data=b"\x01\x00\x02\x00", format=S16)
    assert await through(Gain(), frame) is frame


def test_a_negative_gain_is_an_invalid_config_error() -> None:
    with pytest.raises(VoiceError) as err:
        Gain(gain=-1.0)
    assert err.value.code is ErrorCode.INVALID_CONFIG
