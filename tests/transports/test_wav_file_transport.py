"""WavFileTransport: a WAV file in, the bot's audio out to a WAV file."""

from __future__ import annotations

import time
import wave
from pathlib import Path

import numpy as np
import pytest

from voicegraph.framework import (
    ErrorCode,
    Graph,
    Outbox,
    Processor,
    Runtime,
    VirtualClock,
    VoiceError,
    handles,
)
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import InputAudioFrame

from .nodes import Echo, EnergyGate, ToneBot, silence, tone

pytestmark = pytest.mark.anyio

MS = 1_000_000


def write_wav(path: Path, pcm: bytes, *, rate: int = 16000, width: int = 2) -> Path:
    with wave.open(str(path), "wb") as wf:
        wf.setnchannels(1)
        wf.setsampwidth(width)
        wf.setframerate(rate)
        wf.writeframes(pcm)
    return path


def read_wav(path: Path) -> bytes:
    with wave.open(str(path), "rb") as wf:
        return wf.readframes(wf.getnframes())


class Arrivals(Processor):
    """Records the graph-clock time each input frame arrives, then passes it on."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[int] = []

    @handles
    async def on_audio(self, frame: InputAudioFrame, out: Outbox) -> None:
        self.times.append(self.clock.now_ns())
        await out.send(frame)


async def test_echo_through_wav_files_reproduces_the_input(tmp_path: Path) -> None:
    from voicegraph.transports.wav_file_transport import WavFileTransport

    audio = tone(700)
    wav = WavFileTransport(write_wav(tmp_path / "in.wav", audio), tmp_path / "out.wav")
    clock = VirtualClock()
    async with clock.autojump(), Runtime(Graph.chain(wav.input(), Echo(), wav.output()), clock=clock) as rt:
        await rt.wait()
    assert read_wav(tmp_path / "out.wav") == silence(20) + audio  # a chunk is sent once it has "arrived"


async def test_realtime_input_sends_one_chunk_per_chunk_duration(tmp_path: Path) -> None:
    from voicegraph.transports.wav_file_transport import WavFileTransport

    wav = WavFileTransport(write_wav(tmp_path / "in.wav", tone(200)), chunk_ms=20)
    arrivals = Arrivals()
    clock = VirtualClock()
    async with clock.autojump(), Runtime(Graph.chain(wav.input(), arrivals), clock=clock) as rt:
        await rt.wait()
    assert [t - arrivals.times[0] for t in arrivals.times] == [20 * MS * k for k in range(10)]


async def test_fast_input_runs_faster_than_real_time(tmp_path: Path) -> None:
    from voicegraph.transports.wav_file_transport import WavFileTransport

    wav = WavFileTransport(write_wav(tmp_path / "in.wav", tone(3000)), realtime=False)
    arrivals = Arrivals()
    t0 = time.monotonic()
    async with Runtime(Graph.chain(wav.input(), arrivals)) as rt:
        await rt.wait()
    assert len(arrivals.times) == 150
    assert time.monotonic() - t0 < 1.0


async def test_output_file_lines_up_with_the_session_timeline(tmp_path: Path) -> None:
    from voicegraph.transports.wav_file_transport import WavFileTransport

    user = tone(300) + silence(700)  # the turn ends 200 ms into the silence: at 500 ms
    wav = WavFileTransport(write_wav(tmp_path / "in.wav", user), tmp_path / "out.wav")
    graph = Graph.chain(wav.input(), EnergyGate(quiet_ms=200), ToneBot(reply_ms=300), wav.output())
    clock = VirtualClock()
    async with clock.autojump(), Runtime(graph, clock=clock) as rt:
        await rt.wait()
    out = np.frombuffer(read_wav(tmp_path / "out.wav"), dtype="<i2")
    first_sound = int(np.flatnonzero(np.abs(out) > 100)[0])
    assert abs(first_sound - 500 * 16) <= 20 * 16  # within one chunk of the turn end
    assert len(out) == pytest.approx((500 + 300) * 16, abs=20 * 16)


async def test_non_wav_input_is_rejected_with_invalid_input(tmp_path: Path) -> None:
    from voicegraph.transports.wav_file_transport import WavFileTransport

    (tmp_path / "junk.wav").write_bytes(b"not a riff file at all")
    with pytest.raises(VoiceError) as err:
        WavFileTransport(tmp_path / "junk.wav").input()
    assert err.value.code is ErrorCode.INVALID_INPUT


async def test_eight_bit_wav_is_rejected_as_not_negotiated(tmp_path: Path) -> None:
    from voicegraph.transports.wav_file_transport import WavFileTransport

    path = write_wav(tmp_path / "u8.wav", bytes(1600), width=1)
    with pytest.raises(VoiceError) as err:
        WavFileTransport(path).input()
    assert err.value.code is ErrorCode.NOT_NEGOTIATED


async def test_wav_output_needs_16_bit_pcm(tmp_path: Path) -> None:
    from voicegraph.framework.formats import MULAW8K
    from voicegraph.transports.wav_file_transport import WavFileTransport

    with pytest.raises(VoiceError) as err:
        WavFileTransport(None, tmp_path / "o.wav", output_format=MULAW8K).output()
    assert err.value.code is ErrorCode.INVALID_CONFIG
    assert PCM16K.sample_format.width == 2
