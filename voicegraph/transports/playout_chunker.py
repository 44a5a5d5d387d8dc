"""PlayoutChunker: cuts bot audio into fixed playout chunks and carries its text along."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from voicegraph.audio.chunk_buffer import ChunkBuffer

if TYPE_CHECKING:
    from voicegraph.framework.formats import AudioFormat


@dataclass(frozen=True, slots=True)
class SpokenText:
    """Text that starts inside a playout chunk (from `TTSAudioFrame.text`/`word_times_ms`)."""

    offset_ns: int
    """Where the text's audio starts, from the start of the chunk."""
    text: str
    """The text (may be empty when only word timings were given)."""
    word_times_ms: tuple[tuple[str, float], ...] = ()
    """(word, start in ms from `offset_ns`) pairs, when the TTS gave timing."""


@dataclass(frozen=True, slots=True)
class PlayoutChunk:
    """One chunk of bot audio, ready to be written to the medium."""

    data: bytes
    duration_ns: int
    epoch: int
    """Interruption epoch of the frame the audio came from."""
    texts: tuple[SpokenText, ...] = ()


class PlayoutChunker:
    """Splits audio of one format into chunks of `chunk_ms`, keeping the remainder.

    I/O-free. Text attached to a pushed frame is placed at the byte position where the
    frame's audio starts, and handed out with the chunk that holds that position.

    Args:
        fmt: format of every buffer pushed (the output's format).
        chunk_ms: chunk duration; rounded down to whole sample frames (at least one).
    """

    def __init__(self, fmt: AudioFormat, chunk_ms: float) -> None:
        self.format = fmt
        self.chunk_bytes = max(fmt.frame_bytes, fmt.bytes_for(int(chunk_ms * 1_000_000)))
        self.chunk_ns = fmt.duration_ns(self.chunk_bytes)
        self._buf = ChunkBuffer(self.chunk_bytes)
        self._emitted = 0  # bytes handed out since the last clear
        self._texts: list[tuple[int, str, tuple[tuple[str, float], ...]]] = []
        self._epoch = 0

    @property
    def pending_ns(self) -> int:
        """Duration of the audio held back (less than one chunk)."""
        return self.format.duration_ns(len(self._buf))

    def push(
        self, data: bytes, *, epoch: int, text: str = "", word_times_ms: tuple[tuple[str, float], ...] = ()
    ) -> list[PlayoutChunk]:
        """Add one frame's audio; return every whole chunk now available."""
        if text or word_times_ms:
            self._texts.append((self._emitted + len(self._buf), text, word_times_ms))
        self._epoch = epoch
        self._buf.push(data)
        return [self._make(c) for c in self._buf.pop_chunks()]

    def rest(self) -> PlayoutChunk | None:
        """The held-back remainder as a short chunk (whole samples only), or None."""
        data = self._buf.pop_rest()
        data = data[: len(data) - len(data) % self.format.frame_bytes]
        if not data:
            self._texts.clear()
            return None
        return self._make(data)

    def clear(self) -> None:
        """Forget held audio and text (interruption)."""
        self._buf.clear()
        self._texts.clear()
        self._emitted = 0

    def _make(self, data: bytes) -> PlayoutChunk:
        start, end = self._emitted, self._emitted + len(data)
        mine = [t for t in self._texts if t[0] < end]
        self._texts = [t for t in self._texts if t[0] >= end]
        texts = tuple(
            SpokenText(self.format.duration_ns(max(0, pos - start)), text, words) for pos, text, words in mine
        )
        self._emitted = end
        return PlayoutChunk(data, self.format.duration_ns(len(data)), self._epoch, texts)
