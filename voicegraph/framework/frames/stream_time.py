"""Stream-time frames: the input audio's own clock, for turn decisions (issue 12).

Turn logic (VAD start/stop, turn detectors, the resumed-turn filter, the user
aggregator's rejoin window) compares times. The graph clock is wall time: audio that
queued while a session started, or that a network stall held back, is analyzed in a
burst, so wall-clock stamps of one utterance crowd together and a turn end computed
from them looks "resumed". The input stream's time (samples analyzed since the session
started, in ns) does not move with delivery, so every turn decision reads it instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from voicegraph.framework.frames.base import SystemFrame


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamTimeFrame(SystemFrame):
    """Where the input audio stream is, and (as a stamp) when a speaking event happened in it.

    A tick (`marks == 0`) says the VAD has analyzed `stream_ns` of input audio: a turn
    detector waiting for `speech end + delay` checks its deadline on it. A stamp
    (`marks` = the `id` of a `UserStartedSpeakingFrame`, `UserStoppedSpeakingFrame`,
    `SpeechOnsetFrame` or `TurnEndFrame`) is sent just before that frame and gives its
    times on the stream clock: `stream_ns` when it was decided, `speech_ns` when speech
    started (start, onset) or ended (stop, turn end). Those frames keep their graph-clock
    fields for latency figures; nodes that decide turns prefer the stamp. System frame
    (overtakes queued audio; a stamp always reaches a node before the frame it marks).
    """

    stream_ns: int = 0
    """Input audio analyzed so far (ns since the session's first sample)."""
    marks: int = 0
    """Id of the frame this stamps; 0 for a plain tick."""
    speech_ns: int = 0
    """Stamps: stream time speech started (start, onset) or ended (stop, turn end)."""

    @property
    def tick(self) -> bool:
        """True for a plain tick (no frame stamped)."""
        return self.marks == 0
