"""A simple energy VAD for the fake realtime server (its `server_vad`/`semantic_vad`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

_WINDOW_MS = 20
_EAGERNESS_SILENCE_MS = {"low": 1200, "medium": 600, "high": 250, "auto": 600}


@dataclass(frozen=True)
class VADEvent:
    """`started` or `stopped`, at `ms` into the session's input audio."""

    kind: str
    ms: int


class FakeEnergyVAD:
    """Speech where 20 ms windows are loud: start after 2 loud windows, stop after a silence.

    `threshold` (0..1, the protocol's) maps to a level in dBFS: 0.5 -> -35 dBFS. Start
    positions include `prefix_padding_ms`; a stop is reported `silence_ms` after the last
    loud window, at the end of that speech. Works on 16-bit samples at any rate.
    """

    def __init__(self, rate: int, config: dict[str, Any]) -> None:
        self.rate = rate
        threshold = float(config.get("threshold", 0.5))
        self.level = 32768 * 10 ** ((-60 + 50 * threshold) / 20)
        if config.get("type") == "semantic_vad":
            self.silence_ms = _EAGERNESS_SILENCE_MS[str(config.get("eagerness", "auto"))]
        else:
            self.silence_ms = int(config.get("silence_duration_ms", 500))
        self.prefix_ms = int(config.get("prefix_padding_ms", 300))
        self._window = rate * _WINDOW_MS // 1000
        self._pending = np.zeros(0, np.int16)
        self._pos_ms = 0
        self._loud_run = 0
        self._speaking = False
        self._last_loud_end = 0

    def feed(self, samples: NDArray[np.int16]) -> list[VADEvent]:
        """Feed samples; returns the events they caused."""
        data = np.concatenate([self._pending, samples.astype(np.int16)])
        events: list[VADEvent] = []
        n = len(data) // self._window
        for i in range(n):
            win = data[i * self._window : (i + 1) * self._window].astype(np.float64)
            loud = float(np.sqrt(np.mean(win * win))) > self.level
            events += self._step(loud)
            self._pos_ms += _WINDOW_MS
        self._pending = data[n * self._window :]
        return events

    def _step(self, loud: bool) -> list[VADEvent]:
        end = self._pos_ms + _WINDOW_MS
        if loud:
            self._loud_run += 1
            self._last_loud_end = end
            if not self._speaking and self._loud_run >= 2:
                self._speaking = True
                start = end - 2 * _WINDOW_MS
                return [VADEvent("started", max(0, start - self.prefix_ms))]
            return []
        self._loud_run = 0
        if self._speaking and end - self._last_loud_end >= self.silence_ms:
            self._speaking = False
            return [VADEvent("stopped", self._last_loud_end)]
        return []
