"""SilenceTurnDetector: ends the user's turn after enough silence (fixed or learned delay)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import (
    SpeechOnsetFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles
from voicegraph.processors.turn.pause_tracker import PauseTracker

if TYPE_CHECKING:
    import asyncio

    from voicegraph.framework.context import StartContext


class SilenceTurnDetector(Processor):
    """Endpointing on silence: a turn ends when speech has not resumed `delay` after it ended.

    Handles: UserStoppedSpeakingFrame (arms a timer for `speech_end_ns + delay`) and
    UserStartedSpeakingFrame (cancels it: the user went on), forwarding both; while a
    SpeechOnsetFrame is open (speech heard, not yet long enough for a start) a due turn
    end waits: it is sent if the onset fades, dropped if a start follows. Emits:
    TurnEndFrame (in-band control, `speech_end_ns` of the turn's last speech) when the
    timer fires. The delay is `min_delay`; with `dynamic`, it follows the speaker: a
    percentile of recent pauses (time from a speech end to the next start decision,
    including pauses that ended a turn too early, i.e. shorter than `max_delay`), times
    a margin, clamped to [min_delay, max_delay]. Timing uses the graph clock.
    Latency: the delay, counted from the end of speech, so it overlaps the VAD's
    stop_secs. Not interruptible. Drain: a pending turn ends at once.

    Args:
        min_delay: silence (s) after speech that ends a turn.
        max_delay: the longest delay the dynamic mode may choose.
        dynamic: learn the delay from the speaker's pauses.
        percentile: which pause length the dynamic delay outlasts.
    """

    interruptible = False
    background_output = True  # the turn timer sends TurnEndFrame from its own task
    latency = LatencySpec(ms=800.0, note="endpointing delay from speech end (overlaps VAD stop_secs)")

    def __init__(
        self,
        *,
        min_delay: float = 0.8,
        max_delay: float = 2.0,
        dynamic: bool = False,
        percentile: float = 90.0,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        if not 0.0 <= min_delay <= max_delay:
            raise VoiceError(
                ErrorCode.INVALID_CONFIG, "turn detector: 0 <= min_delay <= max_delay", node=name
            )
        self.min_delay = min_delay
        self.max_delay = max_delay
        self.dynamic = dynamic
        self.pauses = PauseTracker(percentile=percentile)
        self._ctx: StartContext | None = None
        self._timer: asyncio.Task[None] | None = None
        self._last_end: int | None = None  # graph-clock ns when the last speech ended
        self._onset = False  # speech heard since the stop, not yet confirmed
        self._due = False  # the timer fired during an onset: the turn end waits for it
        self.latency = LatencySpec(ms=min_delay * 1000, note=type(self).latency.note)

    @property
    def pending(self) -> bool:
        """True while a turn end is armed (speech stopped and has not resumed)."""
        return self._timer is not None

    def current_delay(self) -> float:
        """The delay (s) a turn end would wait now."""
        if self.dynamic:
            return self.pauses.delay(self.min_delay, self.max_delay)
        return self.min_delay

    async def on_start(self, ctx: StartContext) -> None:
        """Keep the context for spawning timers."""
        self._ctx = ctx

    @handles
    async def on_user_started(self, frame: UserStartedSpeakingFrame, out: Outbox) -> None:
        """Speech resumed: cancel a pending turn end and learn the pause."""
        await out.send(frame)
        was_pending = self._cancel_timer() or self._due
        self._onset = self._due = False
        if self._last_end is not None:
            pause = (self.clock.now_ns() - self._last_end) / 1e9
            if was_pending or pause < self.max_delay:
                self.pauses.add(pause)
        self._on_turn_resumed(was_pending)

    @handles
    async def on_user_stopped(self, frame: UserStoppedSpeakingFrame, out: Outbox) -> None:
        """Speech ended: arm the turn end for `speech_end_ns + delay`."""
        await out.send(frame)
        self._last_end = frame.speech_end_ns or self.clock.now_ns()
        self._onset = self._due = False
        self._arm()

    @handles
    async def on_onset(self, frame: SpeechOnsetFrame, out: Outbox) -> None:
        """Speech may be resuming: hold a due turn end until it is confirmed or fades."""
        await out.send(frame)
        self._onset = frame.heard
        if not frame.heard and self._due:
            self._due = False
            await self._end_turn(out)

    def _on_turn_resumed(self, was_pending: bool) -> None:
        """Hook for subclasses: speech started (`was_pending`: inside the same turn)."""

    def _arm(self) -> None:
        """(Re)start the timer for the current delay, from the last speech end."""
        self._cancel_timer()
        if self._last_end is None or self._ctx is None:
            return
        deadline = self._last_end + round(self.current_delay() * 1e9)
        self._timer = self._ctx.spawn(self._fire(deadline), name=f"{self.name}:turn-timer")

    def _cancel_timer(self) -> bool:
        timer, self._timer = self._timer, None
        if timer is None:
            return False
        timer.cancel()
        return True

    async def _fire(self, deadline_ns: int) -> None:
        await self.clock.sleep_until(deadline_ns)
        self._timer = None  # from here on, new speech no longer cancels this turn end
        if self._onset:
            self._due = True  # the user may be speaking: decide when the onset resolves
            return
        await self._end_turn(self.outbox)

    async def _end_turn(self, out: Outbox) -> None:
        await out.send(TurnEndFrame(speech_end_ns=self._last_end or 0))

    async def on_drain(self, out: Outbox) -> None:
        """End of stream: a pending turn ends now."""
        due, self._due = self._due, False
        if self._cancel_timer() or due:
            await self._end_turn(out)

    async def on_stop(self) -> None:
        """Cancel a pending timer (the runtime has cancelled graph tasks already)."""
        self._cancel_timer()
