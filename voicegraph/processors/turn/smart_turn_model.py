"""SmartTurnModel: an audio end-of-turn classifier (Smart Turn v3 ONNX) on onnxruntime.

Smart Turn v3 (Daily, BSD-2) ships inside the `pipecat-ai` wheel; it is located there
with importlib (without importing pipecat) and never downloaded. Any ONNX model with the
same contract works through `model_path`: input `input_features` (batch, 80, 800) of
Whisper log-mel features of the last 8 s at 16 kHz, output (batch, 1), the probability
that the speaker has finished.
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from voicegraph.framework.engine_registry import ENGINES
from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency
from voicegraph.framework.native_threads import ENGINE_LOAD_LOCK
from voicegraph.processors.turn.smart_turn_features import RATE, fit_window, log_mel_features

if TYPE_CHECKING:
    from numpy.typing import NDArray

_PIPECAT_MODEL = ("audio", "turn", "smart_turn", "data", "smart-turn-v3.2-cpu.onnx")


def bundled_model_path() -> Path:
    """Path of Smart Turn v3.2 (CPU) inside the installed `pipecat-ai` package.

    Raises:
        VoiceError: `missing_dependency` naming pipecat-ai (or onnxruntime) when absent.
    """
    if importlib.util.find_spec("onnxruntime") is None:
        raise missing_dependency("local", "onnxruntime")
    spec = importlib.util.find_spec("pipecat")
    for folder in list(spec.submodule_search_locations or ()) if spec is not None else []:
        path = Path(folder).joinpath(*_PIPECAT_MODEL)
        if path.is_file():
            return path
    raise missing_dependency("pipecat", "pipecat-ai (it ships the Smart Turn v3 model)")


def _load_session(path: str, threads: int) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.log_severity_level = 3
    try:
        with ENGINE_LOAD_LOCK:
            return ort.InferenceSession(path, sess_options=opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own types for a bad file
        msg = f"cannot load end-of-turn model {path}: {type(exc).__name__}"
        raise VoiceError(ErrorCode.INVALID_CONFIG, msg) from exc


class SmartTurnModel:
    """Probability that a turn's audio ends a turn. Blocking: call it from a worker thread.

    The session is loaded once per process and model (`ENGINES` kind "smart_turn") and
    shared: onnxruntime's `run` is thread-safe. One prediction on 8 s of audio takes
    about 100 ms on one core (features ~10 ms, the encoder the rest).

    Args:
        model_path: an ONNX model of the Smart Turn kind; None: the one in pipecat-ai.
        threads: onnxruntime intra-op threads.

    Raises:
        VoiceError: `missing_dependency` (no pipecat-ai / onnxruntime), `invalid_config`
            (the file is missing or not a model of this kind).
    """

    def __init__(self, *, model_path: str | None = None, threads: int = 1) -> None:
        path = Path(model_path) if model_path else bundled_model_path()
        if not path.is_file():
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"end-of-turn model not found: {path}")
        self.path = path
        self.threads = threads
        self._session: Any = None

    def load(self) -> None:
        """Load (or find loaded) the inference session and check its input contract."""
        if self._session is not None:
            return
        key = (str(self.path), self.threads)
        session = ENGINES.get("smart_turn", key, lambda: _load_session(key[0], key[1]))
        inputs = session.get_inputs()
        if len(inputs) != 1 or list(inputs[0].shape)[1:] != [80, 800]:
            msg = f"{self.path} is not a Smart Turn model (input (batch, 80, 800) expected)"
            raise VoiceError(ErrorCode.INVALID_CONFIG, msg)
        self._input = str(inputs[0].name)
        self._session = session

    def predict(self, audio: NDArray[np.float32]) -> float:
        """P(turn complete) for 16 kHz float audio in [-1, 1] ending at the pause."""
        self.load()
        features = log_mel_features(fit_window(audio))[None]
        out = self._session.run(None, {self._input: features})
        return float(np.asarray(out[0]).reshape(-1)[0])

    def timed_predict(self, audio: NDArray[np.float32]) -> tuple[float, float]:
        """(probability, milliseconds spent) for `predict`."""
        start = time.perf_counter()
        probability = self.predict(audio)
        return probability, (time.perf_counter() - start) * 1000.0


__all__ = ["RATE", "SmartTurnModel", "bundled_model_path"]
