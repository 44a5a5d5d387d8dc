"""A fake OpenAI-compatible `/v1/embeddings` server on 127.0.0.1, for tests.

`POST {base}/embeddings` with `{"model", "input": str | [str], "encoding_format"}` answers
`{"object": "list", "data": [{"object": "embedding", "index": i, "embedding": [...]}],
"model", "usage"}` like OpenAI. The vectors are hashed bags of words (each lower-cased word
adds 1 to dimension crc32(word) % dim), so texts sharing words are close: enough to test
retrieval end to end without a model. Rows are returned in reverse order (clients must
sort by `index`). `fail_next` scripts error statuses.
"""

from __future__ import annotations

import asyncio
import json
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.loopback_http import LoopbackHttpServer

__all__ = ["FakeEmbeddingsServer", "hashed_vector"]

_WORD = re.compile(r"[a-z0-9]+")


def hashed_vector(text: str, dim: int) -> list[float]:
    """The fake's embedding of `text` (not normalized)."""
    vec = [0.0] * dim
    for word in _WORD.findall(text.lower()):
        vec[zlib.crc32(word.encode()) % dim] += 1.0
    return vec


@dataclass
class FakeEmbeddingsServer(LoopbackHttpServer):
    """Serves hashed-bag-of-words embeddings on a free port of 127.0.0.1."""

    dim: int = 256
    api_key: str | None = None
    prefix: str = "/v1"
    requests: list[dict[str, Any]] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)
    """HTTP statuses to answer the next requests with, in order."""

    def __post_init__(self) -> None:
        LoopbackHttpServer.__init__(self)

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port><prefix>`."""
        return f"{self.origin}{self.prefix}"

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:  # keep-alive: httpx reuses the connection
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {
                k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:] if ":" in ln)
            }
            raw = await reader.readexactly(int(headers.get("content-length", "0")))
            status, body = self._answer(method, path, headers, raw)
            data = json.dumps(body).encode()
            head_out = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
            writer.write(f"{head_out}Content-Length: {len(data)}\r\n\r\n".encode() + data)
            await writer.drain()

    def _answer(
        self, method: str, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, Any]]:
        if method != "POST" or path != f"{self.prefix}/embeddings":
            return 404, {"error": {"message": "not found", "type": "not_found_error"}}
        if self.api_key is not None and headers.get("authorization") != f"Bearer {self.api_key}":
            return 401, {
                "error": {"message": "bad key", "type": "invalid_request_error", "code": "invalid_api_key"}
            }
        body = json.loads(raw)
        self.requests.append(body)
        if self.fail_next:
            status = self.fail_next.pop(0)
            return status, {"error": {"message": f"status {status}", "type": "server_error"}}
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        rows = [
            {"object": "embedding", "index": i, "embedding": hashed_vector(t, self.dim)}
            for i, t in enumerate(inputs)
        ]
        usage = {"prompt_tokens": sum(len(t.split()) for t in inputs), "total_tokens": 0}
        return 200, {"object": "list", "data": rows[::-1], "model": body.get("model", ""), "usage": usage}
