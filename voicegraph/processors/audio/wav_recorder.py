"""WavRecorder: writes the audio passing through to a 16-bit PCM .wav file."""

from __future__ import annotations

import os
import wave

import numpy as np

from voicegraph.audio import sample_codec
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, Encoding
from voicegraph.framework.frames.audio import AudioFrame
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles


class WavRecorder(Processor):
    """Records audio frames to `path` (stdlib `wave`) and passes every frame on.

    Handles AudioFrame (of class `record`; others pass unrecorded). The file is opened
    on the first recorded frame, in that frame's rate and channel count; samples are
    stored as 16-bit PCM (f32 is scaled, G.711 decoded). Emits each frame unchanged,
    before writing it. Adds no latency (writes are small buffered file writes). Flush
    changes nothing (what passed was heard); drain and stop close the file. Audio in a
    different rate or channel count from the first frame is passed on but not
    recorded, and reported as `invalid_input`.

    Args:
        path: the .wav file to write (replaced if it exists).
        record: the frame class to record, e.g. InputAudioFrame for the user only.
        name: node name.
    """

    latency = LatencySpec(0.0, "file write")

    def accepts_format(self, fmt: AudioFormat) -> bool:
        """Sample audio (linear PCM or G.711); Opus packets fail at build with not_negotiated."""
        return fmt.sample_format.encoding is not Encoding.OPUS

    def __init__(
        self, *, path: str | os.PathLike[str], record: type[AudioFrame] = AudioFrame, name: str | None = None
    ) -> None:
        super().__init__(name=name)
        self.path = os.fspath(path)
        self.record = record
        self._wav: wave.Wave_write | None = None
        self._format: AudioFormat | None = None
        self.frames_written = 0
        """Sample frames (per channel) written so far."""

    @handles
    async def on_audio(self, frame: AudioFrame, out: Outbox) -> None:
        await out.send(frame)
        if not isinstance(frame, self.record):
            return
        fmt = frame.format
        if self._format is None:
            self._open(fmt)
        elif (fmt.rate, fmt.channels) != (self._format.rate, self._format.channels):
            raise VoiceError(
                ErrorCode.INVALID_INPUT, f"recording {self._format}, got {fmt}; not recorded", node=self.name
            )
        x = sample_codec.to_dtype(sample_codec.decode(frame.data, fmt), np.int16)
        if self._wav is not None:
            self._wav.writeframesraw(x.astype("<i2").tobytes())
            self.frames_written += len(x)

    async def on_drain(self, out: Outbox) -> None:
        self._close()

    async def on_stop(self) -> None:
        self._close()

    def _open(self, fmt: AudioFormat) -> None:
        wav = wave.open(self.path, "wb")  # closed in on_drain / on_stop
        wav.setnchannels(fmt.channels)
        wav.setsampwidth(2)
        wav.setframerate(fmt.rate)
        self._wav, self._format = wav, fmt

    def _close(self) -> None:
        if self._wav is not None:
            self._wav.close()  # writes the final header sizes
            self._wav = None
