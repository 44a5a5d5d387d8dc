"""The fake realtime server's input audio buffer: decoding checks, length, and its VAD."""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

import numpy as np

from tests.fakes.realtime_session_rules import FakeRealtimeError
from tests.fakes.realtime_vad import FakeEnergyVAD, VADEvent
from voicegraph.framework.pcm import alaw_decode, mulaw_decode

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from tests.fakes.realtime_session_rules import FakeSession


class FakeInputBuffer:
    """Audio appended since the last commit, checked like the service checks it."""

    def __init__(self, session: FakeSession) -> None:
        self.session = session
        self.data = bytearray()
        self._vad: FakeEnergyVAD | None = None
        self._vad_key: tuple[Any, ...] = ()

    @property
    def rate(self) -> int:
        """Input sample rate: 24 kHz PCM or 8 kHz G.711."""
        return 24000 if self.session.input_format == "pcm" else 8000

    @property
    def ms(self) -> int:
        """Buffered audio, ms."""
        width = 2 if self.session.input_format == "pcm" else 1
        return len(self.data) * 1000 // (self.rate * width)

    def append(self, encoded: Any) -> list[VADEvent]:
        """Decode and keep one `input_audio_buffer.append`; the VAD events it caused."""
        try:
            audio = base64.b64decode(str(encoded or ""), validate=True)
        except binascii.Error:
            audio = None
        if audio is None or (self.session.input_format == "pcm" and len(audio) % 2):
            msg = "Invalid 'audio'. Expected base64-encoded audio bytes (mono PCM16 at 24kHz)."
            raise FakeRealtimeError("invalid_value", msg, "audio")
        self.data += audio
        vad = self._current_vad()
        return vad.feed(self._samples(audio)) if vad is not None else []

    def take(self) -> int:
        """Empty the buffer (commit or clear); returns its length in ms."""
        ms = self.ms
        self.data.clear()
        return ms

    def _samples(self, audio: bytes) -> NDArray[np.int16]:
        fmt = self.session.input_format
        if fmt == "pcmu":
            return mulaw_decode(audio)
        if fmt == "pcma":
            return alaw_decode(audio)
        return np.frombuffer(audio, "<i2").astype(np.int16)

    def _current_vad(self) -> FakeEnergyVAD | None:
        td = self.session.turn_detection
        key = (json.dumps(td, sort_keys=True), self.session.input_format)
        if td is None:
            self._vad = None
        elif key != self._vad_key or self._vad is None:
            self._vad = FakeEnergyVAD(self.rate, td)
        self._vad_key = key
        return self._vad
