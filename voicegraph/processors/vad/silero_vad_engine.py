"""SileroVADEngine: the Silero VAD ONNX model shipped in the `silero-vad` wheel, on onnxruntime."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from voicegraph.framework.engine_registry import ENGINES
from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency
from voicegraph.framework.native_threads import ENGINE_LOAD_LOCK

if TYPE_CHECKING:
    from numpy.typing import NDArray

RATES = (8000, 16000, 32000, 48000)
_MODEL_FILE = "silero_vad.onnx"  # the 8 kHz + 16 kHz model; the others are 16 kHz only


def silero_model_path() -> Path:
    """Path of the ONNX model inside the installed `silero-vad` package, without importing it.

    The package's own `__init__` imports torch; only its data file is used here, so it is
    located with `find_spec` (install it with `pip install --no-deps silero-vad`).

    Raises:
        VoiceError: `missing_dependency` when the package or onnxruntime is missing.
    """
    if importlib.util.find_spec("onnxruntime") is None:
        raise missing_dependency("local", "onnxruntime")
    spec = importlib.util.find_spec("silero_vad")
    locations = list(spec.submodule_search_locations or ()) if spec is not None else []
    for folder in locations:
        path = Path(folder) / "data" / _MODEL_FILE
        if path.is_file():
            return path
    raise missing_dependency("local", "silero-vad")


def shared_session(path: str) -> Any:
    """One inference session per process (`ENGINES` kind "silero"), shared by every
    stream: `run` is thread-safe and each stream keeps its own recurrent state.

    Limited to one thread: many sessions share few cores, and a 32 ms window is tiny.
    """
    return ENGINES.get("silero", path, lambda: _load_session(path))


def _load_session(path: str) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3  # the model carries unused initializers; skip the warnings
    with ENGINE_LOAD_LOCK:
        return ort.InferenceSession(path, sess_options=opts, providers=["CPUExecutionProvider"])


class SileroVADEngine:
    """Silero VAD v5+: speech probability per 32 ms window (512 samples at 16 kHz, 256 at 8 kHz).

    Each window is fed with the previous window's last 64 samples (32 at 8 kHz) prepended
    and the recurrent state (2, 1, 128) carried over, as the model was trained. 32 and
    48 kHz input is decimated to 16 kHz by block averaging (2 or 3 samples per output).

    Args:
        sample_rate: 8000, 16000, 32000 or 48000.
    """

    def __init__(self, sample_rate: int = 16000) -> None:
        if sample_rate not in RATES:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"Silero VAD takes {RATES} Hz, not {sample_rate}")
        self._rate = sample_rate
        model_rate = 8000 if sample_rate == 8000 else 16000
        self._step = sample_rate // model_rate
        self._model_window = 256 if model_rate == 8000 else 512
        self._context_size = 32 if model_rate == 8000 else 64
        self._session = shared_session(str(silero_model_path()))
        self._bind_names()
        self._sr = np.array(model_rate, dtype=np.int64)
        self._input = np.zeros((1, self._context_size + self._model_window), dtype=np.float32)
        self._state = np.zeros((2, 1, 128), dtype=np.float32)

    def _bind_names(self) -> None:
        """Find the audio, state and rate inputs and the probability/state outputs by shape."""
        audio = state = sr = None
        for arg in self._session.get_inputs():
            if arg.type == "tensor(int64)":
                sr = arg.name
            elif len(arg.shape) == 3:
                state = arg.name
            else:
                audio = arg.name
        outs = self._session.get_outputs()
        prob = next((o.name for o in outs if len(o.shape) == 2), None)
        state_out = next((o.name for o in outs if len(o.shape) == 3), None)
        if None in (audio, state, sr, prob, state_out):
            raise VoiceError(ErrorCode.INVALID_CONFIG, "unexpected Silero ONNX signature")
        self._names = (audio, state, sr)
        self._outputs = [prob, state_out]

    @property
    def sample_rate(self) -> int:
        """Rate the engine was built for."""
        return self._rate

    @property
    def window_samples(self) -> int:
        """Samples per window at the input rate (32 ms)."""
        return self._model_window * self._step

    def confidence(self, window: NDArray[np.int16]) -> float:
        """Speech probability of the window, given the stream so far."""
        x = window.astype(np.float32)
        if self._step > 1:
            x = x.reshape(-1, self._step).mean(axis=1)
        buf = self._input
        buf[0, self._context_size :] = x * (1.0 / 32768.0)
        audio, state, sr = self._names
        prob, self._state = self._session.run(self._outputs, {audio: buf, state: self._state, sr: self._sr})
        buf[0, : self._context_size] = buf[0, -self._context_size :]
        return float(prob[0, 0])

    def reset(self) -> None:
        """Zero the recurrent state and the context."""
        self._input.fill(0.0)
        self._state = np.zeros((2, 1, 128), dtype=np.float32)
