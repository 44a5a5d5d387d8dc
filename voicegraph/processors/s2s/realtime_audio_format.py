"""RealtimeAudioFormat: the audio encodings the OpenAI Realtime protocol carries, both spellings."""

from __future__ import annotations

import enum
from typing import Any

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat


class RealtimeAudioFormat(enum.StrEnum):
    """A wire audio format: 24 kHz 16-bit PCM, or G.711 at 8 kHz (u-law, A-law).

    The GA protocol spells them as objects (`{"type": "audio/pcm", "rate": 24000}`), the
    beta protocol as strings (`pcm16`, `g711_ulaw`, `g711_alaw`).
    """

    PCM = "pcm"
    PCMU = "pcmu"
    PCMA = "pcma"

    @property
    def audio_format(self) -> AudioFormat:
        """The matching voicegraph format (mono)."""
        return _FORMATS[self]

    def ga(self) -> dict[str, Any]:
        """The GA spelling."""
        if self is RealtimeAudioFormat.PCM:
            return {"type": "audio/pcm", "rate": 24000}
        return {"type": f"audio/{self.value}"}

    def beta(self) -> str:
        """The beta spelling."""
        return _BETA[self]

    @classmethod
    def parse(cls, value: str | AudioFormat) -> RealtimeAudioFormat:
        """From a name (`pcm`, `pcm16`, `pcmu`, `g711_ulaw`, `audio/pcma`...) or an `AudioFormat`.

        Raises:
            VoiceError: (not_negotiated) the provider does not carry this format.
        """
        if isinstance(value, AudioFormat):
            for fmt, af in _FORMATS.items():
                if af == value:
                    return fmt
            raise VoiceError(
                ErrorCode.NOT_NEGOTIATED,
                f"the realtime protocol carries 24 kHz s16 or 8 kHz G.711 mono, not {value}",
            )
        key = value.strip().lower().removeprefix("audio/")
        found = _NAMES.get(key)
        if found is None:
            raise VoiceError(ErrorCode.NOT_NEGOTIATED, f"unknown realtime audio format {value!r}")
        return found


_FORMATS = {
    RealtimeAudioFormat.PCM: AudioFormat(24000, 1, SampleFormat.S16),
    RealtimeAudioFormat.PCMU: AudioFormat(8000, 1, SampleFormat.MULAW),
    RealtimeAudioFormat.PCMA: AudioFormat(8000, 1, SampleFormat.ALAW),
}
_BETA = {
    RealtimeAudioFormat.PCM: "pcm16",
    RealtimeAudioFormat.PCMU: "g711_ulaw",
    RealtimeAudioFormat.PCMA: "g711_alaw",
}
_NAMES = {
    "pcm": RealtimeAudioFormat.PCM,
    "pcm16": RealtimeAudioFormat.PCM,
    "pcmu": RealtimeAudioFormat.PCMU,
    "g711_ulaw": RealtimeAudioFormat.PCMU,
    "pcma": RealtimeAudioFormat.PCMA,
    "g711_alaw": RealtimeAudioFormat.PCMA,
}

ALL_FORMATS: tuple[AudioFormat, ...] = tuple(_FORMATS.values())
"""Every format the protocol carries, PCM first."""
