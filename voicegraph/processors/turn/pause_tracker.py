"""PauseTracker: learns how long a speaker pauses inside a turn, to size the endpointing delay."""

from __future__ import annotations

from collections import deque

import numpy as np

from voicegraph.framework.errors import ErrorCode, VoiceError


class PauseTracker:
    """Keeps the last `history` intra-turn pauses and proposes a delay that outlasts most.

    The delay is `factor` times the `percentile` of the recorded pauses, clamped to the
    caller's [min, max]; with fewer than `min_samples` pauses it is the minimum. I/O-free.

    Args:
        history: pauses remembered (older ones are forgotten).
        percentile: which pause length to outlast (90: nine pauses in ten).
        factor: safety margin over that pause length.
        min_samples: pauses needed before the delay moves off the minimum.
    """

    def __init__(
        self, *, history: int = 20, percentile: float = 90.0, factor: float = 1.2, min_samples: int = 3
    ) -> None:
        if history < 1 or not 0.0 <= percentile <= 100.0 or factor <= 0.0 or min_samples < 1:
            raise VoiceError(
                ErrorCode.INVALID_CONFIG, "pause tracker: history >= 1, percentile 0-100, factor > 0"
            )
        self._pauses: deque[float] = deque(maxlen=history)
        self._percentile = percentile
        self._factor = factor
        self._min_samples = min_samples

    def __len__(self) -> int:
        return len(self._pauses)

    def add(self, pause_secs: float) -> None:
        """Record one pause (seconds between a speech end and the next speech start)."""
        if pause_secs >= 0.0:
            self._pauses.append(pause_secs)

    def delay(self, min_secs: float, max_secs: float) -> float:
        """The proposed endpointing delay in seconds, within [min_secs, max_secs]."""
        if len(self._pauses) < self._min_samples:
            return min_secs
        typical = float(np.percentile(np.fromiter(self._pauses, dtype=np.float64), self._percentile))
        return min(max_secs, max(min_secs, typical * self._factor))

    def clear(self) -> None:
        """Forget every pause."""
        self._pauses.clear()
