"""TurnAudio: the current user turn's audio, kept for an audio end-of-turn model."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from voicegraph.audio.engine_imports import import_soxr
from voicegraph.processors.turn.smart_turn_features import RATE, WINDOW_S

if TYPE_CHECKING:
    from numpy.typing import NDArray


class TurnAudio:
    """A rolling buffer of mono int16 audio: the current turn plus a little before it.

    At most `WINDOW_S` seconds are kept (what the model reads). `new_turn` drops all but
    the last `pre_speech_s` (the onset the VAD needed before it reported speech, plus a
    lead-in), so a turn's window starts just before its first word. `window` gives the
    kept audio as float32 at 16 kHz (resampled from the input rate when it differs).
    I/O-free; `window` is the heavy part (a copy and maybe a resample): run it on a
    `copy()` in a worker thread.

    Args:
        pre_speech_s: seconds kept before a new turn's speech start is reported.
    """

    def __init__(self, *, pre_speech_s: float = 0.7) -> None:
        self.pre_speech_s = pre_speech_s
        self._chunks: deque[NDArray[np.int16]] = deque()
        self._samples = 0
        self.rate = RATE

    @property
    def seconds(self) -> float:
        """Audio kept, in seconds."""
        return self._samples / self.rate

    def add(self, pcm: bytes, rate: int, channels: int = 1) -> None:
        """Append interleaved int16 audio (other channels than the first are dropped)."""
        if rate != self.rate:
            self.clear()
            self.rate = rate
        chunk = np.frombuffer(pcm, dtype=np.int16)[::channels]
        self._chunks.append(chunk)
        self._samples += len(chunk)
        self._trim(WINDOW_S * self.rate)

    def new_turn(self) -> None:
        """A new turn's speech was reported: keep only its lead-in."""
        self._trim(round(self.pre_speech_s * self.rate))

    def copy(self) -> TurnAudio:
        """A frozen copy (the chunks are shared: they are never written to)."""
        twin = TurnAudio(pre_speech_s=self.pre_speech_s)
        twin._chunks, twin._samples, twin.rate = deque(self._chunks), self._samples, self.rate
        return twin

    def clear(self) -> None:
        """Forget everything."""
        self._chunks.clear()
        self._samples = 0

    def window(self) -> NDArray[np.float32]:
        """The kept audio as float32 in [-1, 1] at 16 kHz."""
        if not self._chunks:
            return np.zeros(0, np.float32)
        audio = np.concatenate(list(self._chunks)).astype(np.float32) / 32768.0
        if self.rate != RATE:
            audio = import_soxr().resample(audio, self.rate, RATE, quality="HQ").astype(np.float32)
        out: NDArray[np.float32] = audio
        return out

    def _trim(self, keep: int) -> None:
        while self._chunks and self._samples - len(self._chunks[0]) >= keep:
            self._samples -= len(self._chunks.popleft())
        if self._chunks and self._samples > keep:
            extra = self._samples - keep
            self._chunks[0] = self._chunks[0][extra:]
            self._samples = keep
