"""LanguageModelTurnDetector: ends the turn when a language model reads the words as finished."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import TranscriptFrame
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import handles
from voicegraph.processors.turn.transcript_aware_turn_detector import TranscriptAwareTurnDetector
from voicegraph.processors.turn.transcript_completeness import ends_open
from voicegraph.processors.turn.transcript_end_model import TranscriptEndModel

if TYPE_CHECKING:
    from voicegraph.framework.context import StartContext


class LanguageModelTurnDetector(TranscriptAwareTurnDetector):
    """Text end-of-turn: each final transcript is scored by a local LLM (`TranscriptEndModel`).

    Handles: UserStartedSpeakingFrame / UserStoppedSpeakingFrame and StreamTimeFrame as
    SilenceTurnDetector; TranscriptFrame (a final one is collected, as in
    TranscriptAwareTurnDetector, and the turn's words so far are scored in a worker
    thread). After a pause the turn waits for a final transcript and its score; the
    delay after speech ends is then `complete_delay` when P(the sentence ends) >=
    `threshold`, `min_delay` when it is at least `unsure` (the model is unsure), else
    `max_delay` (the silence timeout, so every turn ends). Words that end with an open
    mark (Whisper's "..." or "," where the speaker trailed off; `ends_open`) wait for
    `max_delay` whatever their score: the model never sees that mark. A score that
    arrives while a turn end is pending re-arms it from the same speech end. If scoring
    fails, an ErrorFrame is sent and the transcript heuristics decide (`min_delay` when
    unsure). Emits: TurnEndFrame, and a MetricsFrame per score (`turn_lm_ms`,
    `turn_lm_probability`). Latency: the STT's final transcript + one LLM request
    (~20-50 ms) when the words read as finished; `min_delay` or `max_delay` when they do
    not. Not interruptible. Drain: a pending turn ends at once. The defaults are chosen
    from the curve of `benchmarks/turn_taking.py` (docs/turn_taking.md).

    Args:
        threshold: P(the sentence ends) at or above which the turn ends.
        unsure: lower edge of the unsure band, where the turn ends after `min_delay`
            (default: no band, the same as `threshold`).
        base_url: the llama.cpp server to ask (None: the shared local SmolLM2 server).
        complete_delay: delay (s) after speech ends when the words read as finished (the
            transcript and its score arrive later than this in practice).
        min_delay: delay (s) when the model is unsure (and of the transcript heuristics,
            used if scoring fails).
        max_delay: the silence timeout (s), when the words read as unfinished.

    Raises:
        VoiceError: `invalid_config` (not 0 <= unsure <= threshold <= 1, delays out of
            order).
    """

    latency = LatencySpec(ms=350.0, note="final transcript + one LLM request when the words read as finished")

    def __init__(
        self,
        *,
        threshold: float = 0.3,
        unsure: float = 0.3,
        base_url: str | None = None,
        complete_delay: float = 0.0,
        min_delay: float = 1.2,
        max_delay: float = 2.0,
        name: str | None = None,
    ) -> None:
        super().__init__(complete_delay=complete_delay, min_delay=min_delay, max_delay=max_delay, name=name)
        if not 0.0 <= unsure <= threshold <= 1.0:
            msg = "language model turn: 0 <= unsure <= threshold <= 1"
            raise VoiceError(ErrorCode.INVALID_CONFIG, msg, node=name)
        self.threshold = threshold
        self.unsure = unsure
        self.model = TranscriptEndModel(base_url=base_url)
        self.probability: float | None = None
        """The score of the current turn's words (None: none yet, being scored, or failed)."""
        self._judging = False
        self._failed = False
        self._generation = 0  # bumped by every new transcript and turn end: older scores are void
        self.latency = LatencySpec(ms=350.0, note=type(self).latency.note)

    @property
    def inferring(self) -> bool:
        """True while the model scores the current words."""
        return self._judging

    def load_engines(self) -> None:
        """Find or start the LLM server (blocking)."""
        self.model.load()

    def warm_engines(self) -> None:
        """Score one sentence, so the first turn pays no one-off cost (blocking)."""
        self.model.probability("Hello there.")

    async def on_start(self, ctx: StartContext) -> None:
        """Find or start the server off the event loop, then keep the context for timers."""
        await asyncio.to_thread(self.model.load)
        await super().on_start(ctx)

    async def on_stop(self) -> None:
        """Close the HTTP client (the shared server keeps running)."""
        self.model.close()
        await super().on_stop()

    def current_delay(self) -> float:
        """`complete_delay`, `min_delay` or `max_delay` from the score; see the class doc."""
        if self._failed:
            return super().current_delay()
        p = self.probability
        if p is None or self._judging or ends_open(self.transcript):
            return self.max_delay  # waiting for a transcript and its score, or trailing off
        if p >= self.threshold:
            return self.complete_delay
        return self.min_delay if p >= self.unsure else self.max_delay

    @handles
    async def on_transcript(self, frame: TranscriptFrame, out: Outbox) -> None:
        """Collect final text (as the parent does) and score the turn's words so far."""
        text = frame.text.strip()
        if frame.final and text and not self._turn_ended and self._ctx is not None:
            words = text if frame.revises or not self.transcript else f"{self.transcript} {text}"
            self._generation += 1
            self.probability, self._judging, self._failed = None, True, False
            self._ctx.spawn(self._judge(self._generation, words), name=f"{self.name}:turn-lm")
        await super().on_transcript(frame, out)

    async def _judge(self, generation: int, words: str) -> None:
        """Score off the loop; a still-current score re-arms the pending turn end."""
        error: VoiceError | None = None
        probability, ms = 0.0, 0.0
        try:
            probability, ms = await asyncio.to_thread(self.model.probability, words)
        except VoiceError as exc:
            error = exc
        if generation != self._generation:
            return  # newer words came meanwhile, or the turn ended
        self._judging = False
        if error is None:
            self.probability = probability
        self._failed = error is not None
        await self._verdict_arrived(error, {"turn_lm_ms": ms, "turn_lm_probability": probability})

    async def _end_turn(self, out: Outbox) -> None:
        self._generation += 1
        self.probability, self._judging, self._failed = None, False, False
        await super()._end_turn(out)
