"""AudioChunker: cuts synthesized speech into fixed-size chunks, keeping word timing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

WordTimes = tuple[tuple[str, float], ...]
"""(word, start offset in ms) pairs, relative to the audio they come with."""


@dataclass(frozen=True, slots=True)
class SpeechChunk:
    """One chunk of synthesized speech and the words that start in it."""

    pcm: NDArray[np.int16]
    words: WordTimes


class AudioChunker:
    """Re-cuts engine output (any buffer size) into `chunk_ms` chunks for playout.

    Word offsets are carried over to the chunk each word starts in. With `trim_leading`,
    samples before the first one louder than `threshold` are dropped (the engine's
    lead-in silence), keeping `keep_ms` of it so the onset is not clipped.

    Args:
        rate: sample rate of the audio in Hz.
        chunk_ms: size of the chunks returned (the last one may be shorter).
        trim_leading: drop the lead-in silence of the first audio fed.
        threshold: absolute int16 level that counts as sound.
        keep_ms: silence kept before the first sound when trimming.
    """

    def __init__(
        self,
        rate: int,
        *,
        chunk_ms: float = 40.0,
        trim_leading: bool = True,
        threshold: int = 200,
        keep_ms: float = 10.0,
    ) -> None:
        self._rate = rate
        self._chunk = max(1, round(rate * chunk_ms / 1000))
        self._trimming = trim_leading
        self._threshold = threshold
        self._keep = round(rate * keep_ms / 1000)
        self._buf = np.zeros(0, np.int16)
        self._words: list[tuple[str, int]] = []  # (word, sample offset in _buf)
        self.trimmed_samples = 0
        """Lead-in samples dropped so far."""

    def feed(self, pcm: NDArray[np.int16], words: WordTimes = ()) -> list[SpeechChunk]:
        """Add engine output; return the full chunks now available."""
        offsets = [(w, max(0, min(len(pcm), round(ms * self._rate / 1000)))) for w, ms in words]
        if self._trimming:
            pcm, offsets = self._trim(pcm, offsets)
        base = len(self._buf)
        self._words.extend((w, base + off) for w, off in offsets)
        self._buf = np.concatenate([self._buf, pcm]) if len(self._buf) else pcm
        chunks: list[SpeechChunk] = []
        while len(self._buf) >= self._chunk:
            chunks.append(self._take(self._chunk))
        return chunks

    def flush(self) -> SpeechChunk | None:
        """Return the last, partial chunk (None if nothing is left)."""
        return self._take(len(self._buf)) if len(self._buf) or self._words else None

    def _trim(
        self, pcm: NDArray[np.int16], offsets: list[tuple[str, int]]
    ) -> tuple[NDArray[np.int16], list[tuple[str, int]]]:
        loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > self._threshold)
        if len(loud) == 0:
            self.trimmed_samples += len(pcm)
            return pcm[:0], [(w, 0) for w, _ in offsets]
        self._trimming = False
        cut = max(0, int(loud[0]) - self._keep)
        self.trimmed_samples += cut
        return pcm[cut:], [(w, max(0, off - cut)) for w, off in offsets]

    def _take(self, n: int) -> SpeechChunk:
        pcm, self._buf = self._buf[:n], self._buf[n:]
        mine = [(w, off) for w, off in self._words if off < n or not len(self._buf)]
        self._words = [(w, off - n) for w, off in self._words if not (off < n or not len(self._buf))]
        words = tuple((w, min(off, len(pcm)) * 1000 / self._rate) for w, off in mine)
        return SpeechChunk(pcm=pcm, words=words)
