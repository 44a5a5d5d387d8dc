"""VADStream: cuts a PCM stream into engine windows and runs engine plus state machine."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from voicegraph.processors.vad.energy_vad_engine import rms_dbfs
from voicegraph.processors.vad.vad_analyzer import VADAnalyzer, VADEvent, VADParams

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from voicegraph.processors.vad.barge_in_onset import BargeInParams
    from voicegraph.processors.vad.vad_engine import VADEngine


class VADStream:
    """I/O-free VAD over a mono int16 stream at the engine's rate.

    `push` takes chunks of any length, keeps the remainder short of a window, and returns
    the events the whole windows caused. Event times are stream time: ns of audio pushed
    (in whole windows) since the start. Adds up to one window of buffering latency. Set
    `analyzer.bot_speaking` while the bot's audio plays for the barge-in rule (`barge`).
    """

    def __init__(
        self,
        engine: VADEngine,
        params: VADParams | None = None,
        *,
        onsets: bool = False,
        barge: BargeInParams | None = None,
    ) -> None:
        self.engine = engine
        self.analyzer = VADAnalyzer(params, onsets=onsets, barge=barge)
        self._window = engine.window_samples
        self._rate = engine.sample_rate
        self._pending = np.zeros(0, dtype=np.int16)
        self._samples = 0  # samples analyzed

    @property
    def window_ns(self) -> int:
        """Duration of one analysis window."""
        return self._window * 1_000_000_000 // self._rate

    @property
    def pushed_ns(self) -> int:
        """Stream time of everything pushed, including the buffered remainder."""
        return (self._samples + self._pending.size) * 1_000_000_000 // self._rate

    def push(self, pcm: NDArray[np.int16]) -> list[VADEvent]:
        """Analyze `pcm` (mono int16); returns the start/stop events it caused, in order."""
        if self._pending.size:
            pcm = np.concatenate((self._pending, pcm))
        n = self._window
        whole = pcm.size - pcm.size % n
        events: list[VADEvent] = []
        for i in range(0, whole, n):
            window = pcm[i : i + n]
            conf = self.engine.confidence(window)
            self._samples += n
            duration = self._samples * 1_000_000_000 // self._rate - self.analyzer.now_ns
            event = self.analyzer.step(conf, rms_dbfs(window), duration)
            if event is not None:
                events.append(event)
        self._pending = pcm[whole:].copy()
        return events

    def finish(self) -> VADEvent | None:
        """End of stream: closes open speech (the remainder short of a window is ignored)."""
        self._pending = np.zeros(0, dtype=np.int16)
        return self.analyzer.finish()

    def reset(self) -> None:
        """Forget the buffer, the engine state and the machine state."""
        self._pending = np.zeros(0, dtype=np.int16)
        self._samples = 0
        self.engine.reset()
        self.analyzer.reset()
