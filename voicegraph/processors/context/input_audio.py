"""input_audio content parts: the user's utterance audio for models that take audio in."""

from __future__ import annotations

import base64
import io
import wave
from typing import TYPE_CHECKING, Any

import numpy as np

from voicegraph.framework.formats import SampleFormat

if TYPE_CHECKING:
    from voicegraph.framework.formats import AudioFormat


def wav_bytes(pcm: bytes, fmt: AudioFormat) -> bytes:
    """A 16-bit WAV file of `pcm` (float32 input is converted)."""
    if fmt.sample_format is SampleFormat.F32:
        f32 = np.frombuffer(pcm, dtype="<f4")
        pcm = (np.clip(f32, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(fmt.channels)
        w.setsampwidth(2)
        w.setframerate(fmt.rate)
        w.writeframes(pcm)
    return buf.getvalue()


def input_audio_part(pcm: bytes, fmt: AudioFormat) -> dict[str, Any]:
    """An OpenAI `input_audio` content part (base64 WAV) for `pcm`."""
    data = base64.b64encode(wav_bytes(pcm, fmt)).decode("ascii")
    return {"type": "input_audio", "input_audio": {"data": data, "format": "wav"}}


def user_content(text: str, audio: dict[str, Any] | None) -> str | list[dict[str, Any]]:
    """Plain text, or text plus an audio part when there is audio."""
    if audio is None:
        return text
    parts: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    return [*parts, audio]
