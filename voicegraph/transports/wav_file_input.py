"""WavFileInput: the head node that plays a WAV file into a graph as the user's audio."""

from __future__ import annotations

import asyncio
import wave
from pathlib import Path
from typing import TYPE_CHECKING

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames.audio import InputAudioFrame
from voicegraph.framework.frames.control import EndFrame
from voicegraph.framework.processor import Processor

if TYPE_CHECKING:
    from voicegraph.framework.context import StartContext


def read_wav_format(path: Path) -> AudioFormat:
    """The audio format of a 16-bit PCM WAV file.

    Raises:
        VoiceError: (invalid_input) not a readable WAV file; (not_negotiated) not 16-bit PCM.
    """
    try:
        with wave.open(str(path), "rb") as wf:
            width, rate, channels = wf.getsampwidth(), wf.getframerate(), wf.getnchannels()
    except (OSError, EOFError, wave.Error) as exc:
        code = ErrorCode.NOT_NEGOTIATED if "unknown format" in str(exc) else ErrorCode.INVALID_INPUT
        raise VoiceError(code, f"cannot read WAV {path}: {exc}") from exc
    if width != 2:
        raise VoiceError(ErrorCode.NOT_NEGOTIATED, f"WAV {path} has {8 * width}-bit samples; need 16-bit PCM")
    return AudioFormat(rate, channels, SampleFormat.S16)


class WavFileInput(Processor):
    """Head node: reads a 16-bit PCM WAV file and sends it as `InputAudioFrame`s.

    Handles nothing itself. Emits `chunk_ms` frames in the file's format: in real time
    on the graph clock (absolute deadlines from the first frame, so a virtual clock
    runs it as fast as the graph allows), or with `realtime=False` as fast as the graph
    takes them (backpressure only). At the end of the file it ends the graph's input
    (`EndFrame`, the graph drains) unless `end_on_eof` is False. Latency: one chunk
    (a frame leaves when its audio has "arrived"). Not interruptible (user input path).

    Raises:
        VoiceError: at construction, (invalid_input) unreadable file or (not_negotiated)
            a sample format other than 16-bit PCM.
    """

    interruptible = False
    background_output = True  # frames leave from the reader task

    def __init__(
        self,
        path: str | Path,
        *,
        realtime: bool = True,
        chunk_ms: float = 20.0,
        end_on_eof: bool = True,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.path = Path(path)
        self.format = read_wav_format(self.path)
        self.realtime = realtime
        self._frames_per_chunk = max(1, int(self.format.rate * chunk_ms / 1000))
        self._end_on_eof = end_on_eof
        self._ctx: StartContext | None = None
        self.done = asyncio.Event()
        """Set once the whole file was sent."""

    def output_format(self, input_format: AudioFormat | None) -> AudioFormat | None:
        """The file's format."""
        return self.format

    async def on_start(self, ctx: StartContext) -> None:
        self._ctx = ctx
        ctx.spawn(self._play(), name=f"{self.name}:play")

    async def _play(self) -> None:
        with wave.open(str(self.path), "rb") as wf:
            t0 = self.clock.now_ns()
            sent_ns = 0
            while data := wf.readframes(self._frames_per_chunk):
                frame = InputAudioFrame(data=data, format=self.format)
                sent_ns += frame.duration_ns
                if self.realtime:
                    await self.clock.sleep_until(t0 + sent_ns)
                else:
                    await asyncio.sleep(0)  # let the graph run between frames
                await self.outbox.send(frame)
        self.done.set()
        if self._end_on_eof and self._ctx is not None:
            await self._ctx.push(EndFrame(reason="eof"))
