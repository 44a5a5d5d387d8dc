"""SmartTurnDetector: ends the user's turn when an audio model (Smart Turn v3) hears it end."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import numpy as np

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import (
    InputAudioFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import handles
from voicegraph.processors.turn.smart_turn_audio import TurnAudio
from voicegraph.processors.turn.smart_turn_model import SmartTurnModel
from voicegraph.processors.turn.transcript_aware_turn_detector import TranscriptAwareTurnDetector
from voicegraph.processors.turn.transcript_completeness import TranscriptCompleteness

if TYPE_CHECKING:
    from voicegraph.framework.context import StartContext


class SmartTurnDetector(TranscriptAwareTurnDetector):
    """Audio end-of-turn: at each VAD pause, Smart Turn v3 says whether the turn is over.

    Handles: InputAudioFrame (kept: the current turn's last 8 s, forwarded),
    UserStoppedSpeakingFrame (runs the model on the turn's audio in a worker thread and
    waits for its verdict), UserStartedSpeakingFrame (the user went on: the verdict is
    void), TranscriptFrame (as TranscriptAwareTurnDetector), StreamTimeFrame (stream
    clock, as SilenceTurnDetector). The delay after speech ends is then:
    0 when P(complete) >= `threshold`; `complete_delay` when `use_transcript` and the
    final transcript reads as finished while P >= `unsure` (the model is unsure);
    `max_delay` otherwise (the silence timeout, so a turn always ends). Until the verdict
    comes the turn waits (a late verdict ends it at once if its delay has passed); if
    the model fails, an ErrorFrame is sent and the transcript-aware rule decides.
    Emits: TurnEndFrame, and a MetricsFrame per pause (`smart_turn_ms`: inference time,
    `smart_turn_probability`). Latency: VAD stop + inference (~100 ms on one core) when
    the model hears an end; `max_delay` when it does not. Not interruptible. Drain: a
    pending turn ends at once.

    Args:
        model_path: an ONNX model of the same kind; None: Smart Turn v3.2 from pipecat-ai.
        threshold: P(complete) at or above which the turn ends at once.
        unsure: lower edge of the unsure band, where a finished transcript ends the turn.
        use_transcript: combine with the transcript (False: audio and timeout only).
        complete_delay: delay (s) when the transcript decides (finished, model unsure).
        min_delay: delay (s) of the transcript-aware rule, used if the model fails.
        max_delay: the silence timeout (s) when the model hears no end.
        pre_speech_s: audio kept before a turn's reported speech start.
        threads: onnxruntime threads per inference.

    Raises:
        VoiceError: `invalid_config` (thresholds outside 0..1, unsure > threshold, a
            model file that is missing or of another kind), `missing_dependency`
            (pipecat-ai or onnxruntime not installed).
    """

    latency = LatencySpec(ms=200.0, note="VAD stop + model inference when the model hears the end")

    def __init__(
        self,
        *,
        model_path: str | None = None,
        threshold: float = 0.5,
        unsure: float = 0.2,
        use_transcript: bool = True,
        complete_delay: float = 0.3,
        min_delay: float = 0.8,
        max_delay: float = 2.0,
        pre_speech_s: float = 0.7,
        threads: int = 1,
        name: str | None = None,
    ) -> None:
        super().__init__(complete_delay=complete_delay, min_delay=min_delay, max_delay=max_delay, name=name)
        if not 0.0 <= unsure <= threshold <= 1.0:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "smart turn: 0 <= unsure <= threshold <= 1", node=name)
        self.threshold = threshold
        self.unsure = unsure
        self.use_transcript = use_transcript
        self.model = SmartTurnModel(model_path=model_path, threads=threads)
        self.audio = TurnAudio(pre_speech_s=pre_speech_s)
        self.probability: float | None = None
        """The model's verdict on the current pause (None: none yet or void)."""
        self._inferring = False
        self._generation = 0  # bumped by every speaking event: older verdicts are void
        self.latency = LatencySpec(ms=200.0, note=type(self).latency.note)

    @property
    def inferring(self) -> bool:
        """True while the model is judging the current pause."""
        return self._inferring

    def load_engines(self) -> None:
        """Load the model's session into `ENGINES` (blocking)."""
        self.model.load()

    def warm_engines(self) -> None:
        """Run the model once on silence, so the first pause pays no one-off cost (blocking)."""
        self.model.predict(np.zeros(1600, np.float32))

    async def on_start(self, ctx: StartContext) -> None:
        """Load the model off the event loop, then keep the context for timers."""
        await asyncio.to_thread(self.model.load)
        await super().on_start(ctx)

    def current_delay(self) -> float:
        """The delay the model's verdict (and the transcript) imply; see the class doc."""
        p = self.probability
        if p is None:
            return self.max_delay if self._inferring else super().current_delay()
        if p >= self.threshold:
            return 0.0
        if (
            self.use_transcript
            and p >= self.unsure
            and self.completeness() is TranscriptCompleteness.COMPLETE
        ):
            return self.complete_delay
        return self.max_delay

    @handles
    async def on_input_audio(self, frame: InputAudioFrame, out: Outbox) -> None:
        """Keep the user's audio for the model, and forward it."""
        await out.send(frame)
        self.audio.add(frame.data, frame.format.rate, frame.format.channels)

    @handles
    async def on_user_started(self, frame: UserStartedSpeakingFrame, out: Outbox) -> None:
        """Speech resumed: any verdict on the pause is void."""
        self._void()
        await super().on_user_started(frame, out)

    @handles
    async def on_user_stopped(self, frame: UserStoppedSpeakingFrame, out: Outbox) -> None:
        """A pause: ask the model (in a worker thread); the turn waits for its verdict."""
        self._void()
        if self._ctx is not None and self.audio.seconds > 0:
            self._inferring = True
            audio = self.audio.copy()  # resampled and judged in the worker thread
            self._ctx.spawn(self._judge(self._generation, audio), name=f"{self.name}:smart-turn")
        await super().on_user_stopped(frame, out)

    def _void(self) -> None:
        self._generation += 1
        self.probability = None
        self._inferring = False

    def _on_turn_resumed(self, was_pending: bool) -> None:
        super()._on_turn_resumed(was_pending)
        if not was_pending:
            self.audio.new_turn()  # a new turn: its window starts just before its speech

    def _predict(self, audio: TurnAudio) -> tuple[float, float]:
        """(P(complete), ms) for the turn's audio; blocking (features, resampling, model)."""
        start = time.perf_counter()
        probability = self.model.predict(audio.window())
        return probability, (time.perf_counter() - start) * 1000.0

    async def _judge(self, generation: int, audio: TurnAudio) -> None:
        """Run the model off the loop; a still-current verdict re-arms the pending turn end."""
        error: VoiceError | None = None
        probability, ms = 0.0, 0.0
        try:
            probability, ms = await asyncio.to_thread(self._predict, audio)
        except VoiceError as exc:
            error = exc
        except Exception as exc:  # onnxruntime failures: the turn falls back to the transcript rule
            error = VoiceError(
                ErrorCode.PIPELINE_ERROR, f"smart turn inference failed: {exc!r}", node=self.name
            )
        if generation != self._generation:
            return  # the user spoke again meanwhile (or another pause began)
        self._inferring = False
        if error is None:
            self.probability = probability
        await self._verdict_arrived(error, {"smart_turn_ms": ms, "smart_turn_probability": probability})
