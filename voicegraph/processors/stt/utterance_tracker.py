"""UtteranceTracker: which audio belongs to which utterance, given VAD events that overtake it.

User started/stopped events are system frames: they reach an STT node before the audio
queued ahead of them. The tracker therefore orders a stop by time: audio stamped (`pts`)
before the stop event still belongs to the utterance, and the stop takes effect at the
first audio stamped after it (or when the caller settles it: a timer, a turn end, end of
stream). A start takes effect at once, with the last `preroll_ms` of audio prepended,
so speech that began just before the VAD decided is not lost.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class Begin:
    """An utterance starts; `preroll` is the audio just before it."""

    preroll: NDArray[np.int16]


@dataclass(frozen=True, slots=True)
class Feed:
    """More audio of the current utterance."""

    pcm: NDArray[np.int16]


@dataclass(frozen=True, slots=True)
class End:
    """The current utterance is over; its speech ended at `speech_end_ns` (0 if unknown)."""

    speech_end_ns: int


Action = Begin | Feed | End


@dataclass(frozen=True, slots=True)
class _Marker:
    start: bool
    pts: int
    speech_end_ns: int = 0


class UtteranceTracker:
    """Turns audio plus start/stop events into Begin/Feed/End actions, in order.

    Args:
        rate: sample rate of the audio (Hz).
        preroll_ms: audio kept before a start event and prepended to the utterance.
        max_ms: longest utterance; a longer one is ended and a new one begun.
    """

    def __init__(self, rate: int, *, preroll_ms: float = 300.0, max_ms: float = 30_000.0) -> None:
        self._preroll = int(rate * preroll_ms / 1000)
        self._max = int(rate * max_ms / 1000)
        self._ring: deque[NDArray[np.int16]] = deque()
        self._ring_len = 0
        self._markers: deque[_Marker] = deque()
        self._active = False
        self._samples = 0

    @property
    def active(self) -> bool:
        """True while an utterance is open (after its start took effect)."""
        return self._active

    def start(self, pts: int) -> list[Action]:
        """The user started speaking (event stamped `pts`)."""
        if self._markers:
            self._markers.append(_Marker(True, pts))
            return []
        return self._begin()

    def stop(self, pts: int, speech_end_ns: int = 0) -> list[Action]:
        """The user stopped speaking (event stamped `pts`); effective once audio catches up."""
        if self._active or any(m.start for m in self._markers):
            self._markers.append(_Marker(False, pts, speech_end_ns))
        return []

    def audio(self, pcm: NDArray[np.int16], pts: int) -> list[Action]:
        """Audio stamped `pts`: settles the events stamped before it, then files the audio."""
        actions: list[Action] = []
        while self._markers and self._markers[0].pts < pts:
            actions += self._apply(self._markers.popleft())
        if not self._active:
            self._keep(pcm)
            return actions
        actions.append(Feed(pcm))
        self._samples += len(pcm)
        if self._samples >= self._max:
            actions += [End(0), *self._reopen()]
        return actions

    def settle(self, upto_pts: int | None = None) -> list[Action]:
        """Apply pending events (all, or those stamped up to `upto_pts`) without new audio."""
        actions: list[Action] = []
        while self._markers and (upto_pts is None or self._markers[0].pts <= upto_pts):
            actions += self._apply(self._markers.popleft())
        return actions

    def finish(self, speech_end_ns: int = 0) -> list[Action]:
        """Apply every pending event and end any open utterance (turn end, end of stream)."""
        actions = self.settle()
        if self._active:
            self._active = False
            actions.append(End(speech_end_ns))
        return actions

    def _apply(self, marker: _Marker) -> list[Action]:
        if marker.start:
            return self._begin()
        if not self._active:
            return []
        self._active = False
        return [End(marker.speech_end_ns)]

    def _begin(self) -> list[Action]:
        if self._active:
            return []
        return self._reopen()

    def _reopen(self) -> list[Action]:
        preroll = np.concatenate(list(self._ring)) if self._ring else np.zeros(0, np.int16)
        self._ring.clear()
        self._ring_len = 0
        self._active = True
        self._samples = len(preroll)
        return [Begin(preroll)]

    def _keep(self, pcm: NDArray[np.int16]) -> None:
        self._ring.append(pcm)
        self._ring_len += len(pcm)
        while self._ring and self._ring_len - len(self._ring[0]) >= self._preroll:
            self._ring_len -= len(self._ring.popleft())
        if self._ring_len > self._preroll and self._ring:
            extra = self._ring_len - self._preroll
            self._ring[0] = self._ring[0][extra:]
            self._ring_len -= extra
