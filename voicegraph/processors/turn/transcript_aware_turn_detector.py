"""TranscriptAwareTurnDetector: silence endpointing that reads the transcript to wait less or more."""

from __future__ import annotations

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import ErrorFrame, MetricsFrame, TranscriptFrame
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import handles
from voicegraph.processors.turn.silence_turn_detector import SilenceTurnDetector
from voicegraph.processors.turn.transcript_completeness import TranscriptCompleteness, classify_transcript


class TranscriptAwareTurnDetector(SilenceTurnDetector):
    """Endpointing on silence, with the delay chosen from the final transcript so far.

    Handles: UserStartedSpeakingFrame / UserStoppedSpeakingFrame as SilenceTurnDetector,
    plus TranscriptFrame (final ones are collected for the current turn; every transcript
    is forwarded). The delay after speech ends is `complete_delay` when the words read as
    a finished sentence, `max_delay` when they trail off ("and", "the", "um", a comma, or
    a couple of unpunctuated words) and the silence rule (`min_delay`, or learned with
    `dynamic`) when unsure or when no final transcript has come yet. A final transcript
    arriving while a turn end is pending re-arms it from the same speech end, so a
    "complete" transcript that arrives late ends the turn at once. On the stream clock
    (see SilenceTurnDetector), a burst of queued audio runs ahead of the STT: the delay
    is then chosen from the transcripts that came before the stream reached it.
    Emits: TurnEndFrame. Latency: `complete_delay` to `max_delay` after speech ends.
    Not interruptible. Drain: a pending turn ends at once.

    Args:
        complete_delay: delay (s) when the transcript looks finished.
        min_delay: delay (s) when unsure (the silence rule).
        max_delay: delay (s) when the transcript looks unfinished.
        dynamic: learn the "unsure" delay from the speaker's pauses.
        few_words: unpunctuated transcripts shorter than this look unfinished.
    """

    def __init__(
        self,
        *,
        complete_delay: float = 0.3,
        min_delay: float = 0.8,
        max_delay: float = 2.0,
        dynamic: bool = False,
        few_words: int = 3,
        name: str | None = None,
    ) -> None:
        super().__init__(min_delay=min_delay, max_delay=max_delay, dynamic=dynamic, name=name)
        if not 0.0 <= complete_delay <= min_delay:
            msg = "turn detector: 0 <= complete_delay <= min_delay"
            raise VoiceError(ErrorCode.INVALID_CONFIG, msg, node=name)
        self.complete_delay = complete_delay
        self.few_words = few_words
        self._words: list[str] = []
        self._turn_ended = False

    @property
    def transcript(self) -> str:
        """The final transcript collected for the current turn."""
        return " ".join(self._words)

    def completeness(self) -> TranscriptCompleteness:
        """How finished the current turn's transcript looks."""
        return classify_transcript(self.transcript, few_words=self.few_words)

    def current_delay(self) -> float:
        """`complete_delay`, `max_delay`, or the silence rule, from the transcript."""
        kind = self.completeness()
        if kind is TranscriptCompleteness.COMPLETE:
            return self.complete_delay
        if kind is TranscriptCompleteness.INCOMPLETE:
            return self.max_delay
        return super().current_delay()

    @handles
    async def on_transcript(self, frame: TranscriptFrame, out: Outbox) -> None:
        """Collect final text; re-arm a pending turn end with the delay it now implies."""
        await out.send(frame)
        if not frame.final or not frame.text.strip() or self._turn_ended:
            return  # after a turn end and before new speech, text belongs to the ended turn
        if frame.revises:
            self._words.clear()
        self._words.append(frame.text.strip())
        if self.pending:
            self._arm()
            await self._check_deadline(out)  # stream clock: a late transcript may end it now

    def _on_turn_resumed(self, was_pending: bool) -> None:
        self._turn_ended = False

    async def _verdict_arrived(self, error: VoiceError | None, values: dict[str, float]) -> None:
        """For model-based subclasses: report a verdict (its metrics) or the model's error,
        then re-arm a pending turn end with the delay it now implies."""
        if error is not None:
            await self.outbox.send(ErrorFrame(error=error))
        else:
            await self.outbox.send(MetricsFrame(node=self.name, values=values))
        if self.pending:
            self._arm()
            await self._check_deadline(self.outbox)

    async def _end_turn(self, out: Outbox) -> None:
        self._turn_ended = True
        self._words.clear()
        await super()._end_turn(out)
