"""Recognizer: what an in-process STT engine offers the STT nodes, and its result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class Recognition:
    """What an engine heard in one utterance."""

    text: str
    """The transcript ('' when nothing was recognised)."""
    confidence: float = 1.0
    """0..1, engine-specific."""
    language: str = ""
    """Language code of the transcript, when known."""


class Recognizer(Protocol):
    """A blocking recognizer for one utterance at a time (called from worker threads, in order)."""

    def begin(self, preroll: NDArray[np.int16]) -> None:
        """Start an utterance with the audio just before it."""

    def feed(self, pcm: NDArray[np.int16]) -> str | None:
        """More audio; returns a new interim hypothesis, or None when there is none."""

    def end(self) -> Recognition:
        """End the utterance; returns the final result."""

    def ready(self) -> bool:
        """Whether `end` can run now without waiting for a shared resource (never blocks)."""

    def close(self) -> None:
        """The session ended: drop an unfinished utterance, give back shared resources."""
