"""WavFileTransport: a WAV file as the user, another WAV file as the loudspeaker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import PCM16K, AudioFormat
from voicegraph.transports.playout_options import PlayoutOptions
from voicegraph.transports.wav_file_input import WavFileInput
from voicegraph.transports.wav_file_output import WavFileOutput

if TYPE_CHECKING:
    from pathlib import Path


class WavFileTransport:
    """Runs a graph on recorded audio: `input()` plays a WAV file, `output()` records one.

    Use it for offline runs, evaluation and demos. With a `VirtualClock` on the runtime
    the whole session runs faster than real time with real-time semantics (pacing,
    barge-in timing); with `realtime=False` the input is pushed as fast as the graph
    takes it.

    Args:
        input_path: 16-bit PCM WAV to play as the user's audio.
        output_path: WAV file to write the bot's audio to.
        realtime: pace the input on the graph clock (see `WavFileInput`).
        chunk_ms: input frame size and playout chunk.
        output_format: format of the output file (16-bit PCM; the graph converts to it).
        end_on_eof: end the session when the input file is done.
        timeline: pad the output with silence so it lines up with the input's time.
    """

    def __init__(
        self,
        input_path: str | Path | None = None,
        output_path: str | Path | None = None,
        *,
        realtime: bool = True,
        chunk_ms: float = 20.0,
        output_format: AudioFormat = PCM16K,
        end_on_eof: bool = True,
        timeline: bool = True,
    ) -> None:
        self.input_path = input_path
        self.output_path = output_path
        self._realtime = realtime
        self._chunk_ms = chunk_ms
        self._output_format = output_format
        self._end_on_eof = end_on_eof
        self._timeline = timeline
        self._input: WavFileInput | None = None
        self._output: WavFileOutput | None = None

    def input(self) -> WavFileInput:
        """The head node playing `input_path`.

        Raises:
            VoiceError: (invalid_config) no input path; see `WavFileInput` for file errors.
        """
        if self.input_path is None:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "WavFileTransport has no input_path")
        if self._input is None:
            self._input = WavFileInput(
                self.input_path, realtime=self._realtime, chunk_ms=self._chunk_ms, end_on_eof=self._end_on_eof
            )
        return self._input

    def output(self) -> WavFileOutput:
        """The sink node recording to `output_path`.

        Raises:
            VoiceError: (invalid_config) no output path or a format other than 16-bit PCM.
        """
        if self.output_path is None:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "WavFileTransport has no output_path")
        if self._output is None:
            self._output = WavFileOutput(
                self.output_path,
                audio_format=self._output_format,
                timeline=self._timeline,
                playout=PlayoutOptions(chunk_ms=self._chunk_ms),
            )
        return self._output
