"""WavRecorder node: records what passes, passes it on, closes on drain and stop."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from tests.processors.audio.graph_run import audio_frames, audio_out, run_graph
from tests.speech import synthesize
from voicegraph.framework import Graph, Runtime
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames import InputAudioFrame, OutputAudioFrame
from voicegraph.processors.audio.wav_recorder import WavRecorder

S16 = AudioFormat(16000, 1, SampleFormat.S16)


def read_wav(path: Path) -> tuple[int, int, np.ndarray]:
    with wave.open(str(path), "rb") as wav:
        return (
            wav.getframerate(),
            wav.getnchannels(),
            np.frombuffer(wav.readframes(wav.getnframes()), np.int16),
        )


@pytest.mark.anyio
async def test_the_file_holds_exactly_the_audio_that_passed(tmp_path: Path) -> None:
    speech = synthesize("Recording test.")
    frames = audio_frames(speech.tobytes(), S16, 20)
    out = audio_out(await run_graph([WavRecorder(path=tmp_path / "a.wav")], frames))
    rate, channels, pcm = read_wav(tmp_path / "a.wav")
    assert (rate, channels) == (16000, 1)
    assert np.array_equal(pcm, speech)
    assert out == frames


@pytest.mark.anyio
async def test_f32_stereo_is_stored_as_16_bit_pcm(tmp_path: Path) -> None:
    fmt = AudioFormat(48000, 2, SampleFormat.F32)
    data = np.array([0.5, -0.5, 0.25, -0.25], np.float32).tobytes()
    await run_graph([WavRecorder(path=tmp_path / "b.wav")], [InputAudioFrame(data=data, format=fmt)])
    rate, channels, pcm = read_wav(tmp_path / "b.wav")
    assert (rate, channels, pcm.tolist()) == (48000, 2, [16384, -16384, 8192, -8192])


@pytest.mark.anyio
async def test_only_the_chosen_frame_class_is_recorded(tmp_path: Path) -> None:
    frames = [
        InputAudioFrame(data=np.full(160, 7, np.int16).tobytes(), format=S16),
        OutputAudioFrame(data=np.full(160, 9, np.int16).tobytes(), format=S16),
    ]
    await run_graph([WavRecorder(path=tmp_path / "c.wav", record=OutputAudioFrame)], frames)
    assert read_wav(tmp_path / "c.wav")[2].tolist() == [9] * 160


@pytest.mark.anyio
async def test_cancelling_the_graph_still_closes_a_readable_file(tmp_path: Path) -> None:
    rec = WavRecorder(path=tmp_path / "d.wav")
    rt = Runtime(Graph.chain(rec))
    await rt.start()
    await rt.push(InputAudioFrame(data=np.full(320, 5, np.int16).tobytes(), format=S16))
    await rt.cancel()
    assert read_wav(tmp_path / "d.wav")[2].tolist() == [5] * 320


@pytest.mark.anyio
async def test_a_rate_change_is_passed_on_but_not_recorded(tmp_path: Path) -> None:
    other = AudioFormat(8000, 1, SampleFormat.S16)
    frames = [
        InputAudioFrame(data=np.full(160, 3, np.int16).tobytes(), format=S16),
        InputAudioFrame(data=np.full(80, 4, np.int16).tobytes(), format=other),
    ]
    out = audio_out(await run_graph([WavRecorder(path=tmp_path / "e.wav")], frames))
    assert len(out) == 2
    assert read_wav(tmp_path / "e.wav")[2].tolist() == [3] * 160
