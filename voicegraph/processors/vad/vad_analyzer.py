"""VADAnalyzer: the speech start/stop state machine shared by every VAD engine."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.vad.barge_in_onset import BargeInParams, NoiseFloor


class VADState(enum.Enum):
    """Where the analyzer is between silence and speech."""

    QUIET = "quiet"
    STARTING = "starting"
    """Speech heard, but not yet for `start_secs`."""
    SPEAKING = "speaking"
    STOPPING = "stopping"
    """Silence heard while speaking, but not yet for `stop_secs`."""


@dataclass(frozen=True, slots=True)
class VADParams:
    """Thresholds and timings of the state machine."""

    confidence: float = 0.5
    """Engine confidence a window needs to count as speech while quiet."""
    stop_confidence: float | None = None
    """Confidence below which a window counts as silence while speaking (hysteresis);
    None means `confidence - 0.15`, as Silero recommends."""
    start_secs: float = 0.2
    """Speech windows must add up to this long before speaking starts."""
    start_gap_secs: float = 0.1
    """While starting, silence this long (e.g. a stop consonant is shorter) starts over."""
    stop_secs: float = 0.3
    """Silence must last this long before speaking stops."""
    min_volume: float = -60.0
    """Windows quieter than this (RMS dBFS) count as silence whatever the engine says."""

    def __post_init__(self) -> None:
        times = (self.start_secs, self.start_gap_secs, self.stop_secs)
        ok = 0.0 <= self.confidence <= 1.0 and min(times) >= 0.0
        if self.stop_confidence is not None:
            ok = ok and 0.0 <= self.stop_confidence <= self.confidence
        if not ok:
            raise VoiceError(
                ErrorCode.INVALID_CONFIG,
                "VAD params: confidences in [0, 1] with stop <= start; durations >= 0",
            )

    @property
    def release_confidence(self) -> float:
        """The effective stop confidence."""
        if self.stop_confidence is not None:
            return self.stop_confidence
        return max(0.0, self.confidence - 0.15)


@dataclass(frozen=True, slots=True)
class VADEvent:
    """A decision of the analyzer, in stream time (ns of audio analyzed since the start)."""

    speaking: bool
    """True: the user started speaking. False: the user stopped."""
    at_ns: int
    """Stream time when the decision was made (end of the deciding window)."""
    speech_ns: int
    """Stream time when speech really started (start event) or ended (stop event)."""
    tentative: bool = False
    """An onset (speaking=True: a speech window while quiet, not yet `start_secs` long)
    or its lapse (speaking=False: it faded without a start). Only with `onsets`."""


class VADAnalyzer:
    """Turns per-window (confidence, volume) into start/stop events.

    States: quiet -> starting (a speech window) -> speaking (speech windows adding up to
    `start_secs`, reported as starting at the first speech window) -> stopping (a silent
    window) -> quiet (silence for `stop_secs`, reported as ending where the silence
    began). Silence of `start_gap_secs` while starting falls back to quiet; a speech
    window while stopping goes back to speaking. With `onsets`, entering and leaving the
    starting state without a start are reported too (tentative events), so a turn
    detector can wait while the user may be speaking again. While `bot_speaking` is set
    and `barge.rule` is "fast", starting also ends in a start as soon as the speech
    windows of at least `barge.confidence` add up to `barge.start_secs` and the loudest
    of them rises `barge.min_rise_db` over the noise floor (a barge-in's short first
    word; issue 12, cause 5). I/O-free: time is the audio analyzed, not the wall clock.
    """

    def __init__(
        self, params: VADParams | None = None, *, onsets: bool = False, barge: BargeInParams | None = None
    ) -> None:
        self.params = params or VADParams()
        self.barge = barge or BargeInParams()
        self.bot_speaking = False
        """Set by the owner while the bot's audio plays: the barge-in rule applies."""
        self._onsets = onsets
        self._fast = self.barge.rule == "fast"
        self._fast_ns = round(self.barge.start_secs * 1e9)
        self._floor = NoiseFloor(round(self.barge.floor_secs * 1e9))
        self._peak = -math.inf  # loudest sure speech window (dBFS) of the current starting run
        self._sure = 0  # time of the run's windows at `barge.confidence` or above
        self._start_ns = round(self.params.start_secs * 1e9)
        self._stop_ns = round(self.params.stop_secs * 1e9)
        self._gap_ns = round(self.params.start_gap_secs * 1e9)
        self._state = VADState.QUIET
        self._now = 0
        self._mark = 0  # start of the current starting/stopping run
        self._voiced = 0  # speech time heard while starting
        self._last_voiced = 0  # end of the last speech window while starting

    @property
    def state(self) -> VADState:
        """The current state."""
        return self._state

    @property
    def now_ns(self) -> int:
        """Stream time analyzed so far."""
        return self._now

    @property
    def speaking(self) -> bool:
        """True while speaking or stopping (a start was reported and no stop yet)."""
        return self._state in (VADState.SPEAKING, VADState.STOPPING)

    def step(self, confidence: float, volume_dbfs: float, duration_ns: int) -> VADEvent | None:
        """Feed one window; returns the start/stop event it causes, if any."""
        begin = self._now
        self._now = end = begin + duration_ns
        loud = volume_dbfs >= self.params.min_volume
        if self._fast:
            self._floor.add(end, volume_dbfs)
        state = self._state
        if state is VADState.QUIET or state is VADState.STARTING:
            voiced = loud and confidence >= self.params.confidence
            return self._step_quiet(begin, end, voiced, (confidence, volume_dbfs))
        if loud and confidence >= self.params.release_confidence:
            self._state = VADState.SPEAKING
            return None
        if state is VADState.SPEAKING:
            self._state, self._mark = VADState.STOPPING, begin
        if end - self._mark >= self._stop_ns:
            self._state = VADState.QUIET
            return VADEvent(speaking=False, at_ns=end, speech_ns=self._mark)
        return None

    def _step_quiet(self, begin: int, end: int, voiced: bool, window: tuple[float, float]) -> VADEvent | None:
        if not voiced:
            if self._state is VADState.STARTING and end - self._last_voiced >= self._gap_ns:
                self._state = VADState.QUIET
                if self._onsets:
                    return VADEvent(speaking=False, at_ns=end, speech_ns=self._mark, tentative=True)
            return None
        onset = self._state is VADState.QUIET
        if onset:
            self._state, self._mark, self._voiced = VADState.STARTING, begin, 0
            self._sure, self._peak = 0, -math.inf
        self._voiced += end - begin
        self._last_voiced = end
        if window[0] >= self.barge.confidence:
            self._sure += end - begin
            self._peak = max(self._peak, window[1])
        if self._voiced >= self._start_ns or self._barge_start():
            self._state = VADState.SPEAKING
            return VADEvent(speaking=True, at_ns=end, speech_ns=self._mark)
        if onset and self._onsets:
            return VADEvent(speaking=True, at_ns=end, speech_ns=self._mark, tentative=True)
        return None

    def _barge_start(self) -> bool:
        """The fast rule: enough speech, clearly above the floor, while the bot speaks."""
        if not (self._fast and self.bot_speaking) or self._sure < self._fast_ns:
            return False
        floor = self._floor.level_dbfs
        return floor is not None and self._peak - floor >= self.barge.min_rise_db

    def finish(self) -> VADEvent | None:
        """End of stream: a stop event if speech is still open, then back to quiet."""
        state, self._state = self._state, VADState.QUIET
        if state is VADState.SPEAKING:
            return VADEvent(speaking=False, at_ns=self._now, speech_ns=self._now)
        if state is VADState.STOPPING:
            return VADEvent(speaking=False, at_ns=self._now, speech_ns=self._mark)
        if state is VADState.STARTING and self._onsets:
            return VADEvent(speaking=False, at_ns=self._now, speech_ns=self._mark, tentative=True)
        return None

    def reset(self) -> None:
        """Back to quiet at stream time zero."""
        self._state = VADState.QUIET
        self._now = self._mark = self._voiced = self._last_voiced = 0
        self._floor.reset()
