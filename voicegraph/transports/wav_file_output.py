"""WavFileOutput: the sink node that records the bot's audio to a WAV file."""

from __future__ import annotations

import wave
from pathlib import Path
from typing import TYPE_CHECKING

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import PCM16K, AudioFormat, SampleFormat
from voicegraph.transports.playout_options import PlayoutOptions
from voicegraph.transports.playout_output import PlayoutOutput

if TYPE_CHECKING:
    from voicegraph.framework.context import StartContext


class WavFileOutput(PlayoutOutput):
    """Sink node: plays bot audio (see `PlayoutOutput`) into a 16-bit PCM WAV file.

    Handles bot audio, paced on the graph clock like any output; emits speaking events
    and reply reports. With `timeline=True` the gaps between replies are written as
    silence, so the file lines up with the session's time (sample n is n/rate seconds
    after the graph started): reply latency can be read off the file. Latency: one
    chunk. Flush: stops within one chunk. Drain: plays the rest; the file is closed
    (header finalised) when the graph stops.

    Raises:
        VoiceError: (invalid_config) `audio_format` is not 16-bit PCM.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        audio_format: AudioFormat = PCM16K,
        timeline: bool = True,
        playout: PlayoutOptions | None = None,
        name: str | None = None,
    ) -> None:
        if audio_format.sample_format is not SampleFormat.S16:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"WAV output needs 16-bit PCM, not {audio_format}")
        super().__init__(audio_format=audio_format, playout=playout or PlayoutOptions(), name=name)
        self.path = Path(path)
        self.timeline = timeline
        self._wav: wave.Wave_write | None = None
        self._t0 = 0
        self._written = 0  # sample frames in the file

    async def on_start(self, ctx: StartContext) -> None:
        fmt = self.audio_format or PCM16K
        wav = wave.open(str(self.path), "wb")
        wav.setnchannels(fmt.channels)
        wav.setsampwidth(2)
        wav.setframerate(fmt.rate)
        self._wav = wav
        self._t0 = ctx.clock.now_ns()
        await super().on_start(ctx)

    async def write_audio(self, data: bytes, fmt: AudioFormat, at_ns: int) -> None:
        wav = self._wav
        if wav is None:
            return
        if self.timeline:
            due = (at_ns - self._t0) * fmt.rate // 1_000_000_000
            if due > self._written:
                wav.writeframesraw(bytes((due - self._written) * fmt.frame_bytes))
                self._written = due
        wav.writeframesraw(data)
        self._written += len(data) // fmt.frame_bytes

    async def on_stop(self) -> None:
        if self._wav is not None:
            self._wav.close()
            self._wav = None
