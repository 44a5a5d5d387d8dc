"""SilenceTurnDetector: ends the user's turn after enough silence (fixed or learned delay)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import (
    SpeechOnsetFrame,
    StreamTimeFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles
from voicegraph.processors.turn.pause_tracker import PauseTracker
from voicegraph.processors.turn.stream_stamps import StreamStamps

if TYPE_CHECKING:
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
    a margin, clamped to [min_delay, max_delay].

    Clock: when the VAD stamps its frames (`StreamTimeFrame`), every decision is on the
    input stream's clock: the turn ends once the VAD's ticks show `delay` of audio
    analyzed after the speech end, however the audio was delivered (a burst of queued
    audio, a stall, jitter), and pauses are learned in stream time. The wall clock only
    guards a stall: while a turn end is pending and no tick comes for `stall_close_s`
    (the stream stopped or stalled very long), the turn ends then, cleanly. A shorter
    stall decides nothing: the turn is decided from the audio when it resumes. Frames
    without stamps (no stamping VAD) use graph-clock timers as before. Ticks stop here
    (not forwarded); stamps pass on, and the `TurnEndFrame` gets its own stamp (stream
    time of the speech end and of the decision).
    Latency: the delay, counted from the end of speech, so it overlaps the VAD's
    stop_secs. Not interruptible. Drain: a pending turn ends at once.

    Args:
        min_delay: silence (s) after speech that ends a turn.
        max_delay: the longest delay the dynamic mode may choose.
        dynamic: learn the delay from the speaker's pauses.
        percentile: which pause length the dynamic delay outlasts.
        stall_close_s: on the stream clock, wall time without ticks after which a
            pending turn end is sent anyway (the stream ended or stalled very long).
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
        stall_close_s: float = 2.0,
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
        self._stamps = StreamStamps()
        self._stall_ns = round(stall_close_s * 1e9)
        self._stream_now = 0  # input stream time analyzed, from the VAD's ticks and stamps
        self._stream_end: int | None = None  # stream time the last speech ended (stream mode)
        self._deadline: int | None = None  # stream time a pending turn end is due
        self._tick_wall = 0  # graph-clock time of the last tick
        self._watchdog: asyncio.Task[None] | None = None
        self.latency = LatencySpec(ms=min_delay * 1000, note=type(self).latency.note)

    @property
    def pending(self) -> bool:
        """True while a turn end is armed (speech stopped and has not resumed)."""
        return self._timer is not None or self._deadline is not None

    def current_delay(self) -> float:
        """The delay (s) a turn end would wait now."""
        if self.dynamic:
            return self.pauses.delay(self.min_delay, self.max_delay)
        return self.min_delay

    async def on_start(self, ctx: StartContext) -> None:
        """Keep the context for spawning timers."""
        self._ctx = ctx

    @handles
    async def on_stream_time(self, frame: StreamTimeFrame, out: Outbox) -> None:
        """Keep stamps (forwarded); a tick moves stream time and may end the turn (not forwarded)."""
        self._stream_now = max(self._stream_now, frame.stream_ns)
        if not frame.tick:
            self._stamps.add(frame)
            await out.send(frame)
            return
        self._tick_wall = self.clock.now_ns()
        await self._check_deadline(out)

    @handles
    async def on_user_started(self, frame: UserStartedSpeakingFrame, out: Outbox) -> None:
        """Speech resumed: cancel a pending turn end and learn the pause."""
        await out.send(frame)
        was_pending = self._cancel_timer() or self._due
        self._onset = self._due = False
        stamp = self._stamps.peek(frame)
        pause: float | None = None
        if stamp is not None and self._stream_end is not None:
            pause = (stamp.stream_ns - self._stream_end) / 1e9
        elif stamp is None and self._last_end is not None:
            pause = (self.clock.now_ns() - self._last_end) / 1e9
        if pause is not None and (was_pending or pause < self.max_delay):
            self.pauses.add(pause)
        self._on_turn_resumed(was_pending)

    @handles
    async def on_user_stopped(self, frame: UserStoppedSpeakingFrame, out: Outbox) -> None:
        """Speech ended: arm the turn end for `speech end + delay` (stream or graph clock)."""
        await out.send(frame)
        self._last_end = frame.speech_end_ns or self.clock.now_ns()
        stamp = self._stamps.peek(frame)
        self._stream_end = None if stamp is None else stamp.speech_ns
        self._onset = self._due = False
        self._arm()
        await self._check_deadline(out)

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
        """(Re)start the wait for the current delay, from the last speech end."""
        self._cancel_timer()
        delay_ns = round(self.current_delay() * 1e9)
        if self._stream_end is not None:
            self._deadline = self._stream_end + delay_ns
            self._tick_wall = self.clock.now_ns()
            if self._watchdog is None and self._ctx is not None and self._stall_ns > 0:
                self._watchdog = self._ctx.spawn(self._guard_stall(), name=f"{self.name}:stall-guard")
            return
        if self._last_end is None or self._ctx is None:
            return
        deadline = self._last_end + delay_ns
        self._timer = self._ctx.spawn(self._fire(deadline), name=f"{self.name}:turn-timer")

    def _cancel_timer(self) -> bool:
        timer, self._timer = self._timer, None
        armed, self._deadline = self._deadline is not None, None
        watchdog, self._watchdog = self._watchdog, None
        if watchdog is not None and watchdog is not asyncio.current_task():
            watchdog.cancel()
        if timer is None:
            return armed
        timer.cancel()
        return True

    async def _check_deadline(self, out: Outbox) -> None:
        """Stream clock: the turn end is due once `delay` of audio followed the speech end."""
        if self._deadline is not None and self._stream_now >= self._deadline:
            self._cancel_timer()
            await self._due_now(out)

    async def _guard_stall(self) -> None:
        """Wall clock, stream mode only: end a pending turn if the audio stops for good."""
        while self._deadline is not None:
            until = self._tick_wall + self._stall_ns
            if self.clock.now_ns() >= until:
                self._cancel_timer()
                await self._due_now(self.outbox)
                return
            await self.clock.sleep_until(until)

    async def _fire(self, deadline_ns: int) -> None:
        await self.clock.sleep_until(deadline_ns)
        self._timer = None  # from here on, new speech no longer cancels this turn end
        await self._due_now(self.outbox)

    async def _due_now(self, out: Outbox) -> None:
        if self._onset:
            self._due = True  # the user may be speaking: decide when the onset resolves
            return
        await self._end_turn(out)

    async def _end_turn(self, out: Outbox) -> None:
        frame = TurnEndFrame(speech_end_ns=self._last_end or 0)
        if self._stream_end is not None:
            stamp = StreamTimeFrame(stream_ns=self._stream_now, marks=frame.id, speech_ns=self._stream_end)
            await out.send(stamp)
        await out.send(frame)

    async def on_drain(self, out: Outbox) -> None:
        """End of stream: a pending turn ends now."""
        due, self._due = self._due, False
        if self._cancel_timer() or due:
            await self._end_turn(out)

    async def on_stop(self) -> None:
        """Cancel a pending timer (the runtime has cancelled graph tasks already)."""
        self._cancel_timer()
