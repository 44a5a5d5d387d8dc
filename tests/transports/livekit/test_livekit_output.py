"""LiveKitOutput: bot audio at any rate reaches LiveKit at 48 kHz, resampled with soxr."""

from __future__ import annotations

import numpy as np
import pytest

from voicegraph.framework import Graph, Runtime
from voicegraph.framework.formats import AudioFormat
from voicegraph.framework.frames import TTSAudioFrame
from voicegraph.transports.livekit import LiveKitOutput, ParticipantConnection

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(20)]

TTS = AudioFormat(22050)


class Recorded(ParticipantConnection):
    """A connection whose 'LiveKit side' is a list of the chunks written."""

    def __init__(self) -> None:
        super().__init__("room", "user")
        self.written: list[tuple[bytes, AudioFormat]] = []

    async def write_audio(self, data: bytes, fmt: AudioFormat, at_ns: int) -> None:
        self.written.append((data, fmt))


def tone(seconds: float, hz: float = 440.0) -> bytes:
    t = np.arange(int(TTS.rate * seconds)) / TTS.rate
    return (np.sin(2 * np.pi * hz * t) * 8000).astype("<i2").tobytes()


async def test_the_graph_needs_no_converter_in_front_of_the_output() -> None:
    conn = Recorded()
    graph = Graph.chain(conn.input(), conn.output()).build()
    assert isinstance(conn.output(), LiveKitOutput)
    assert not [n for n in graph.processors if n.startswith("convert")]


async def test_22_khz_speech_is_played_at_48_khz_with_its_pitch_and_length() -> None:
    conn = Recorded()
    async with Runtime(Graph.chain(conn.input(), conn.output())) as rt:
        pcm = tone(0.5)
        for i in range(0, len(pcm), 1764):  # 40 ms TTS chunks
            await rt.push(TTSAudioFrame(data=pcm[i : i + 1764], format=TTS), to=conn.output().name)
    audio = np.frombuffer(b"".join(d for d, _ in conn.written), dtype="<i2").astype(np.float64)
    assert {f.rate for _, f in conn.written} == {48000}
    assert abs(len(audio) - 24000) <= 96  # 0.5 s, within 2 ms
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(len(audio))))
    assert abs(np.argmax(spectrum[1:]) + 1 - 440 * len(audio) / 48000) <= 2
