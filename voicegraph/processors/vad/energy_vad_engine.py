"""EnergyVADEngine: speech confidence from loudness over an adaptive noise floor (numpy only)."""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from numpy.typing import NDArray

SILENCE_DBFS = -100.0
"""Level reported for digital silence (log of zero)."""


def rms_dbfs(window: NDArray[np.int16]) -> float:
    """RMS level of int16 samples in dB relative to full scale (floored at -100 dBFS)."""
    if window.size == 0:
        return SILENCE_DBFS
    x = window.astype(np.float32)
    power = float(np.dot(x, x)) / window.size
    if power <= 0.0:
        return SILENCE_DBFS
    return max(SILENCE_DBFS, 10.0 * math.log10(power / (32768.0 * 32768.0)))


class EnergyVADEngine:
    """Confidence from how far a window's RMS level rises above the noise floor.

    The floor is the quietest window level seen over the last `floor_secs` (minimum
    statistics), so stationary noise of any loudness reads as silence, while speech,
    whose syllable gaps keep the floor down, reads as well above it. The confidence is
    a logistic curve of the level above the floor: 0.5 at `snr_db`, steepness `slope_db`.
    Needs a moment of non-speech to learn the floor: speech in the very first window
    sets the floor to speech level until `floor_secs` have passed.

    Args:
        sample_rate: any rate, in Hz.
        window_ms: analysis window length (default 20 ms).
        snr_db: level above the floor that gives confidence 0.5.
        slope_db: dB per logistic unit (smaller is a harder decision).
        floor_secs: how far back the floor's minimum looks.
    """

    def __init__(
        self,
        sample_rate: int,
        *,
        window_ms: int = 20,
        snr_db: float = 12.0,
        slope_db: float = 2.0,
        floor_secs: float = 4.0,
    ) -> None:
        if sample_rate <= 0 or window_ms <= 0 or slope_db <= 0 or floor_secs <= 0:
            msg = "energy VAD: rate, window, slope and floor_secs must be > 0"
            raise VoiceError(ErrorCode.INVALID_CONFIG, msg)
        self._rate = sample_rate
        self._window = max(1, sample_rate * window_ms // 1000)
        self._snr_db = snr_db
        self._slope_db = slope_db
        self._history = max(1, round(floor_secs * 1000 / window_ms))
        # Sliding minimum over (index, level): levels increase from left to right.
        self._mins: deque[tuple[int, float]] = deque()
        self._index = 0

    @property
    def sample_rate(self) -> int:
        """Rate the engine was built for."""
        return self._rate

    @property
    def window_samples(self) -> int:
        """Samples per window."""
        return self._window

    @property
    def noise_floor_dbfs(self) -> float:
        """Current noise floor estimate (dBFS); the silence level before any window."""
        return self._mins[0][1] if self._mins else SILENCE_DBFS

    def confidence(self, window: NDArray[np.int16]) -> float:
        """Logistic confidence of this window's level above the noise floor."""
        level = rms_dbfs(window)
        mins = self._mins
        while mins and mins[-1][1] >= level:
            mins.pop()
        mins.append((self._index, level))
        if mins[0][0] <= self._index - self._history:
            mins.popleft()
        self._index += 1
        snr = level - mins[0][1]
        return 1.0 / (1.0 + math.exp(-(snr - self._snr_db) / self._slope_db))

    def reset(self) -> None:
        """Forget the noise floor."""
        self._mins.clear()
        self._index = 0
