"""WordPlacer: Pipecat's timed words (`TTSTextFrame.pts`) placed on the audio chunks they fall in."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class _Reply:
    audio_ms: float = 0.0
    """Audio of this reply emitted so far."""
    t0_ns: int | None = None
    """`pts` of the reply's first word: the clock time its audio started."""
    pending: list[tuple[str, float]] = field(default_factory=list)
    """(word, offset in ms from the reply's start) not yet placed on a chunk."""


class WordPlacer:
    """Keeps, per TTS context, the audio emitted and the words not yet placed.

    Pipecat stamps each spoken word with `pts = audio start + word offset`; the reply's
    first word (offset 0 for every service that reports timing) marks the audio start.
    A word goes on the chunk that covers its offset, at its offset within the chunk; a
    word whose chunk already went out goes on the next chunk at 0 ms.
    """

    def __init__(self) -> None:
        self._replies: dict[str, _Reply] = {}

    def word(self, context: str, word: str, pts: int | None) -> None:
        """A timed word of `context` (`pts` None: untimed, placed on the next chunk)."""
        reply = self._replies.setdefault(context, _Reply())
        if pts is None:
            reply.pending.append((word, reply.audio_ms))
            return
        if reply.t0_ns is None:
            reply.t0_ns = pts
        reply.pending.append((word, max(0.0, (pts - reply.t0_ns) / 1e6)))

    def place(self, context: str, duration_ms: float) -> tuple[tuple[str, float], ...]:
        """The (word, ms within the chunk) pairs of the next chunk of `context`."""
        reply = self._replies.setdefault(context, _Reply())
        start, end = reply.audio_ms, reply.audio_ms + duration_ms
        due = [(w, max(0.0, at - start)) for w, at in reply.pending if at < end]
        reply.pending = [(w, at) for w, at in reply.pending if at >= end]
        reply.audio_ms = end
        return tuple(due)

    def forget(self, context: str | None = None) -> None:
        """Drop one context's state (its reply ended), or all (an interruption)."""
        if context is None:
            self._replies.clear()
        else:
            self._replies.pop(context, None)
