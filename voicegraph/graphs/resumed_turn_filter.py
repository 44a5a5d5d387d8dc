"""ResumedTurnFilter: drops a turn end the user has already talked past."""

from __future__ import annotations

from voicegraph.framework.frames import TurnEndFrame, UserStartedSpeakingFrame
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles


class ResumedTurnFilter(Processor):
    """Keeps a pause inside a sentence from ending the user's turn when a slow STT hides it.

    A silence turn detector decides a turn end `delay` after speech stopped; placed before
    the STT, its `TurnEndFrame` reaches the context after the turn's transcript, which
    with Whisper is half a second later. If the user started speaking again in between
    (a comma pause longer than the delay), the turn has not ended: this node drops that
    `TurnEndFrame`, so the user aggregator keeps the words and the next turn end closes
    the whole sentence. Without it the bot answers the first half while the user is
    still talking (the barge-in interruption came before the request existed).

    Handles: `UserStartedSpeakingFrame` (notes when speech resumed; forwarded) and
    `TurnEndFrame` (dropped when speech resumed after its `speech_end_ns`, else
    forwarded). Place it between the STT and the user aggregator. Emits: what it gets,
    minus resumed turn ends. Latency: none. Not interruptible (user input path).
    Drain: nothing held.
    """

    interruptible = False
    latency = LatencySpec(ms=0.0)

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self._resumed_ns = 0
        self.dropped = 0
        """Turn ends dropped because the user went on speaking."""

    @handles
    async def on_user_started(self, frame: UserStartedSpeakingFrame, out: Outbox) -> None:
        self._resumed_ns = max(self._resumed_ns, frame.pts)
        await out.send(frame)

    @handles
    async def on_turn_end(self, frame: TurnEndFrame, out: Outbox) -> None:
        if frame.speech_end_ns and self._resumed_ns > frame.speech_end_ns:
            self.dropped += 1
            return
        await out.send(frame)
