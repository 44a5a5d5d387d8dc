"""ResumedTurnFilter: drops a turn end the user has already talked past."""

from __future__ import annotations

from voicegraph.framework.frames import StreamTimeFrame, TurnEndFrame, UserStartedSpeakingFrame
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles
from voicegraph.processors.turn.stream_stamps import StreamStamps


class ResumedTurnFilter(Processor):
    """Keeps a pause inside a sentence from ending the user's turn when a slow STT hides it.

    A silence turn detector decides a turn end `delay` after speech stopped; placed before
    the STT, its `TurnEndFrame` reaches the context after the turn's transcript, which
    with Whisper is half a second later. If the user started speaking again in between
    (a comma pause longer than the delay), the turn has not ended: this node drops that
    `TurnEndFrame`, so the user aggregator keeps the words and the next turn end closes
    the whole sentence. Without it the bot answers the first half while the user is
    still talking (the barge-in interruption came before the request existed).

    Clock: with the VAD's and turn detector's `StreamTimeFrame` stamps, both times are
    input-stream times, so a burst of queued audio (where one utterance's start is
    analyzed moments before its end, in wall time) never looks resumed. A start counts
    as resuming the turn when speech began after the turn's speech end and at most
    `resume_s` after the turn end was decided (later speech is a new turn, however late
    the STT is, so a burst of two questions stays two turns). Without stamps it falls
    back to the graph clock: the start frame's `pts` against the turn's `speech_end_ns`.

    Handles: `StreamTimeFrame` (stamps kept; forwarded), `UserStartedSpeakingFrame`
    (notes when speech resumed; forwarded) and `TurnEndFrame` (dropped when speech
    resumed, else forwarded). Place it between the STT and the user aggregator. Emits:
    what it gets, minus resumed turn ends. Latency: none. Not interruptible (user input
    path). Drain: nothing held.

    Args:
        resume_s: stream time after a turn end's decision within which resumed speech
            still belongs to that turn (covers the STT's delay in real time).
    """

    interruptible = False
    latency = LatencySpec(ms=0.0)

    def __init__(self, *, resume_s: float = 0.7, name: str | None = None) -> None:
        super().__init__(name=name)
        self._resume_ns = round(resume_s * 1e9)
        self._stamps = StreamStamps()
        self._resumed_ns = 0  # graph clock (fallback)
        self._resumed_stream: list[int] = []  # stream times the last few speech starts began
        self.dropped = 0
        """Turn ends dropped because the user went on speaking."""

    @handles
    async def on_stamp(self, frame: StreamTimeFrame, out: Outbox) -> None:
        self._stamps.add(frame)
        await out.send(frame)

    @handles
    async def on_user_started(self, frame: UserStartedSpeakingFrame, out: Outbox) -> None:
        stamp = self._stamps.peek(frame)
        if stamp is not None:
            self._resumed_stream = [*self._resumed_stream[-7:], stamp.speech_ns]
        else:
            self._resumed_ns = max(self._resumed_ns, frame.pts)
        await out.send(frame)

    @handles
    async def on_turn_end(self, frame: TurnEndFrame, out: Outbox) -> None:
        if self._resumed(frame):
            self.dropped += 1
            return
        await out.send(frame)

    def _resumed(self, frame: TurnEndFrame) -> bool:
        stamp = self._stamps.peek(frame)
        if stamp is None:
            return bool(frame.speech_end_ns) and self._resumed_ns > frame.speech_end_ns
        latest = stamp.stream_ns + self._resume_ns
        return any(stamp.speech_ns < s <= latest for s in self._resumed_stream)
