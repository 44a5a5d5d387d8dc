"""BargeInParams and NoiseFloor: the faster onset rule the VAD applies while the bot speaks.

Issue 12, cause 5: with the stock rule (speech windows adding up to `start_secs`, 0.2 s
in the stock agent), a short first word of a barge-in ("Wait, stop...") only reaches
0.2 s at some offsets against the 32 ms windows, so the cut came on the next word. While
the bot speaks, the "fast" rule starts on fewer, surer speech windows when the run is
clearly louder than the background (an energy check), so the word is caught wherever it
falls, while noises (which Silero rates below `confidence`) and speech or echo at the
floor's level get only the stock rule.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal

from voicegraph.framework.errors import ErrorCode, VoiceError

BargeInRule = Literal["stock", "fast"]
"""`stock`: the same start rule as when the bot is silent. `fast`: see `BargeInParams`."""


@dataclass(frozen=True, slots=True)
class BargeInParams:
    """How a user start is decided while the bot speaks.

    With rule `fast`, a start is also reported once the windows of the current run
    with a confidence of at least `confidence` add up to `start_secs` and the loudest
    of them is at least `min_rise_db` above the noise floor (the quietest window over
    the last `floor_secs`). Silero rates non-speech noises 0.71 at most on the
    benchmark's noise set, and speech 0.9 within a window or two, so one window at 0.9
    suffices. The stock rule still applies too, so `fast` never starts later than
    `stock`. The defaults come from a sweep of (start_secs, confidence) in
    `benchmarks/barge_in.py` and `benchmarks/barge_in_rooms.py` (docs/barge_in.md).
    """

    rule: BargeInRule = "fast"
    """`fast` (default) or `stock` (the old rule, kept for A/B)."""
    start_secs: float = 0.032
    """Sure speech windows must add up to this long (one Silero window of 32 ms)."""
    confidence: float = 0.9
    """Engine confidence a window needs to count towards the fast start."""
    min_rise_db: float = 12.0
    """The run's loudest speech window must be this far above the noise floor (dB)."""
    floor_secs: float = 2.0
    """How far back the noise floor's minimum looks."""

    def __post_init__(self) -> None:
        if self.rule not in ("stock", "fast"):
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"barge-in rule {self.rule!r}: use 'stock' or 'fast'")
        ok = self.start_secs >= 0.0 and self.min_rise_db >= 0.0 and self.floor_secs > 0.0
        if not (ok and 0.0 <= self.confidence <= 1.0):
            msg = "barge-in params: start_secs and min_rise_db >= 0, floor_secs > 0, confidence in [0, 1]"
            raise VoiceError(ErrorCode.INVALID_CONFIG, msg)


class NoiseFloor:
    """Quietest window level (dBFS) over a sliding span of stream time (minimum statistics).

    I/O-free and O(1) amortized per window.
    """

    def __init__(self, span_ns: int) -> None:
        self._span = span_ns
        self._mins: deque[tuple[int, float]] = deque()  # (end ns, level), levels rising

    def add(self, end_ns: int, level_dbfs: float) -> None:
        """Record one window ending at stream time `end_ns`."""
        mins = self._mins
        while mins and mins[-1][1] >= level_dbfs:
            mins.pop()
        mins.append((end_ns, level_dbfs))
        while mins[0][0] <= end_ns - self._span:
            mins.popleft()

    @property
    def level_dbfs(self) -> float | None:
        """The floor, or None before any window."""
        return self._mins[0][1] if self._mins else None

    def reset(self) -> None:
        """Forget every window."""
        self._mins.clear()
