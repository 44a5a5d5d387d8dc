"""OpenAIEmbedder: vectors from any OpenAI-compatible `/v1/embeddings` endpoint (httpx)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency
from voicegraph.processors.rag.embedder import normalize

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import TracebackType

    import httpx
    from numpy.typing import NDArray

DEFAULT_MODEL = "text-embedding-3-small"


class OpenAIEmbedder:
    """Embeds texts with `POST {base_url}/embeddings` (OpenAI, Ollama, llama.cpp, vLLM...).

    Texts go in batches of `batch_size`; the response rows are put back in input order
    by their `index`. Errors are coded: HTTP statuses as for chat (401 authentication,
    429 rate limit, 5xx connection), a malformed body is a protocol error, a deadline
    miss a timeout.

    Args:
        model, base_url, api_key: unset values come from `OPENAI_EMBEDDING_MODEL`,
            `OPENAI_BASE_URL`, `OPENAI_API_KEY`, then OpenAI's defaults.
        dimensions: ask the model for shorter vectors (models that support it).
        batch_size: texts per request.
        timeout_s: deadline per request.
    """

    def __init__(
        self,
        *,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        dimensions: int | None = None,
        batch_size: int = 64,
        timeout_s: float = 30.0,
    ) -> None:
        try:
            import httpx
        except ImportError as exc:
            raise missing_dependency("agent", "httpx") from exc
        self.model = model or os.environ.get("OPENAI_EMBEDDING_MODEL") or DEFAULT_MODEL
        base = base_url or os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com/v1"
        self.url = base.rstrip("/") + "/embeddings"
        key = api_key or os.environ.get("OPENAI_API_KEY")
        self._headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.dimensions = dimensions
        self.batch_size = max(1, batch_size)
        self._http: httpx.AsyncClient = httpx.AsyncClient(timeout=httpx.Timeout(timeout_s))

    @property
    def name(self) -> str:
        """`openai:<model>` (plus the dimensions when set)."""
        return f"openai:{self.model}" + (f":{self.dimensions}" if self.dimensions else "")

    async def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Unit vectors for `texts`, in order.

        Raises:
            VoiceError: authentication_failed, rate_limit_exceeded, connection_failed,
                timeout, or protocol_error (a body without the expected vectors).
        """
        rows: list[NDArray[np.float32]] = []
        for start in range(0, len(texts), self.batch_size):
            rows.append(await self._batch(list(texts[start : start + self.batch_size])))
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        return normalize(np.concatenate(rows))

    async def _batch(self, texts: list[str]) -> NDArray[np.float32]:
        import httpx

        from voicegraph.processors.agent.chat_errors import error_from_status, error_from_transport

        body: dict[str, Any] = {"model": self.model, "input": texts, "encoding_format": "float"}
        if self.dimensions:
            body["dimensions"] = self.dimensions
        try:
            response = await self._http.post(self.url, json=body, headers=self._headers)
        except httpx.HTTPError as exc:
            raise error_from_transport(exc, self.url) from exc
        if response.status_code >= 300:
            raise error_from_status(response.status_code, response.content, response.headers)
        try:
            data = sorted(response.json()["data"], key=lambda d: d["index"])
            matrix = np.asarray([d["embedding"] for d in data], dtype=np.float32)
        except (ValueError, KeyError, TypeError) as exc:
            raise VoiceError(
                ErrorCode.PROTOCOL_ERROR, f"{self.url}: malformed embeddings body: {exc}"
            ) from exc
        if matrix.ndim != 2 or len(matrix) != len(texts):
            raise VoiceError(
                ErrorCode.PROTOCOL_ERROR, f"{self.url}: {len(matrix)} vectors for {len(texts)} texts"
            )
        return matrix

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._http.aclose()

    async def __aenter__(self) -> OpenAIEmbedder:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
