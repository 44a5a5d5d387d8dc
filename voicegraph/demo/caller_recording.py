"""read_caller_recording: a WAV file as the caller's audio (16 kHz mono int16)."""

from __future__ import annotations

import wave
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.transports.wav_file_input import read_wav_format

if TYPE_CHECKING:
    from numpy.typing import NDArray


def read_caller_recording(path: str | Path, rate: int = 16000) -> NDArray[np.int16]:
    """The file's audio, channels mixed down and resampled (soxr) to `rate`.

    Raises:
        VoiceError: (invalid_input) unreadable or empty file; (not_negotiated) not 16-bit PCM.
    """
    fmt = read_wav_format(Path(str(path)))
    try:
        with wave.open(str(path), "rb") as wav:
            data = wav.readframes(wav.getnframes())
    except (OSError, EOFError, wave.Error) as exc:
        raise VoiceError(ErrorCode.INVALID_INPUT, f"cannot read WAV {path}: {exc}") from exc
    pcm = np.frombuffer(data, dtype="<i2").astype(np.float32).reshape(-1, fmt.channels).mean(axis=1)
    if not len(pcm):
        raise VoiceError(ErrorCode.INVALID_INPUT, f"WAV {path} holds no audio")
    if fmt.rate != rate:
        from voicegraph.audio.engine_imports import import_soxr

        pcm = import_soxr().resample(pcm, fmt.rate, rate, quality="HQ")
    out: NDArray[np.int16] = np.clip(np.round(pcm), -32768, 32767).astype(np.int16)
    return out
