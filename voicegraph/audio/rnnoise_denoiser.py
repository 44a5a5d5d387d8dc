"""RNNoiseDenoiser: RNNoise noise suppression on 48 kHz mono, weights built into the library.

The library comes from the `pyrnnoise` wheel; it is loaded with ctypes straight from the
package folder, without importing `pyrnnoise` itself (whose import pulls in audiolab,
PyAV, matplotlib and tqdm), so `pip install --no-deps pyrnnoise` is enough.
"""

from __future__ import annotations

import ctypes
import importlib.util
import sys
import threading
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from voicegraph.audio.engine_imports import EXTRA
from voicegraph.framework.errors import missing_dependency

if TYPE_CHECKING:
    from numpy.typing import NDArray

RATE = 48000
"""The only rate RNNoise runs at."""
FRAME = 480
"""Samples per RNNoise frame (10 ms)."""
LAG = 960
"""Samples by which RNNoise's output trails its input (20 ms)."""

_LIB_NAMES = {"linux": "librnnoise.so", "darwin": "librnnoise.dylib", "win32": "rnnoise.dll"}
_lib: ctypes.CDLL | None = None
_FloatPtr = ctypes.POINTER(ctypes.c_float)


def load_rnnoise() -> ctypes.CDLL:
    """The RNNoise shared library shipped in the `pyrnnoise` wheel (loaded once).

    Raises:
        VoiceError: (missing_dependency) pyrnnoise is not installed.
    """
    global _lib
    if _lib is not None:
        return _lib
    spec = importlib.util.find_spec("pyrnnoise")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    name = _LIB_NAMES.get(sys.platform, "librnnoise.so")
    paths = [Path(f) / name for f in folders if (Path(f) / name).exists()]
    if not paths:
        raise missing_dependency(EXTRA, "pyrnnoise")
    lib = ctypes.CDLL(str(paths[0]))
    lib.rnnoise_create.argtypes = [ctypes.c_void_p]
    lib.rnnoise_create.restype = ctypes.c_void_p
    lib.rnnoise_destroy.argtypes = [ctypes.c_void_p]
    lib.rnnoise_destroy.restype = None
    lib.rnnoise_process_frame.argtypes = [ctypes.c_void_p, _FloatPtr, _FloatPtr]
    lib.rnnoise_process_frame.restype = ctypes.c_float
    _lib = lib
    return lib


class RNNoiseDenoiser:
    """Denoises a stream of 48 kHz mono int16 samples in 10 ms frames; I/O-free.

    `process` returns the output ready so far. With `compensate` (default) the first
    `LAG` output samples are dropped and `finish` pushes silence through to release the
    tail, so output sample k is the denoised input sample k and the total length equals
    the input's; else output trails input by `LAG` and `finish` only pads the last
    frame. Latency: up to one frame (10 ms) of buffering plus the 20 ms lag. Calls are
    thread-safe (one lock), so a node may run them in a worker thread.

    Raises:
        VoiceError: (missing_dependency) pyrnnoise is not installed.
    """

    def __init__(self, *, compensate: bool = True) -> None:
        self._lib = load_rnnoise()
        self._offset = LAG if compensate else 0
        self._lock = threading.Lock()
        self._state: int = self._lib.rnnoise_create(None)
        self._finalizer = weakref.finalize(self, self._lib.rnnoise_destroy, self._state)
        self._pending = np.zeros(0, np.float32)
        self._in_total = 0
        self._processed = 0  # samples RNNoise has output since the last reset
        self.speech_probability = 0.0
        """RNNoise's voice activity probability for the last frame processed."""

    def process(self, pcm: NDArray[np.int16]) -> NDArray[np.int16]:
        """Add samples; returns the denoised samples ready so far."""
        with self._lock:
            self._in_total += len(pcm)
            return self._run(pcm.astype(np.float32))

    def finish(self) -> NDArray[np.int16]:
        """End of stream: the rest (pushed through with silence), then a fresh state."""
        with self._lock:
            if self._offset:
                need = self._offset + self._in_total - self._processed
                zeros = -(-need // FRAME) * FRAME - len(self._pending)
            else:
                zeros = (FRAME - len(self._pending)) % FRAME
            out = self._run(np.zeros(zeros, np.float32))
        self.reset()
        return out

    def reset(self) -> None:
        """Forget held audio and the network state (interruption)."""
        with self._lock:
            self._finalizer()
            self._state = self._lib.rnnoise_create(None)
            self._finalizer = weakref.finalize(self, self._lib.rnnoise_destroy, self._state)
            self._pending = np.zeros(0, np.float32)
            self._in_total = self._processed = 0

    def close(self) -> None:
        """Free the native state now (also done when the object is collected)."""
        with self._lock:
            self._finalizer()

    def _run(self, x: NDArray[np.float32]) -> NDArray[np.int16]:
        buf = np.concatenate([self._pending, x]) if len(self._pending) else x
        n = len(buf) // FRAME * FRAME
        out = np.empty(n, np.float32)
        process = self._lib.rnnoise_process_frame
        for i in range(0, n, FRAME):
            src = np.ascontiguousarray(buf[i : i + FRAME])
            dst = out[i : i + FRAME]
            prob = process(self._state, dst.ctypes.data_as(_FloatPtr), src.ctypes.data_as(_FloatPtr))
            self.speech_probability = float(prob)
        self._pending = buf[n:]
        start = self._processed
        self._processed += n
        # output index j holds input sample j - offset; emit [offset, offset + inputs seen)
        lo = max(start, self._offset)
        hi = min(self._processed, self._offset + self._in_total) if self._offset else self._processed
        if hi <= lo:
            return np.zeros(0, np.int16)
        return np.clip(np.round(out[lo - start : hi - start]), -32768, 32767).astype(np.int16)
