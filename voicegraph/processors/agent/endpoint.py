"""Endpoint: where an OpenAI-compatible chat model lives (base URL, model, key)."""

from __future__ import annotations

import os
from collections.abc import Mapping  # noqa: TC003 - graph specs validate the fields at run time
from dataclasses import dataclass, field
from typing import Any

from voicegraph.framework.errors import ErrorCode, VoiceError

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-4o-mini"


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    """One OpenAI-compatible chat endpoint: OpenAI, Ollama, llama.cpp, or a local server.

    `base_url` includes the API prefix (e.g. `.../v1`); requests go to
    `{base_url}/chat/completions`.
    """

    base_url: str = DEFAULT_BASE_URL
    model: str = DEFAULT_MODEL
    api_key: str | None = field(default=None, repr=False)
    """Sent as `Authorization: Bearer <key>`; omitted when None (local servers)."""
    headers: Mapping[str, str] = field(default_factory=dict)
    """Extra request headers."""
    params: Mapping[str, Any] = field(default_factory=dict)
    """Extra body fields for this endpoint (e.g. `max_tokens`), over the request's own."""

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"base_url must be http(s): {self.base_url!r}")
        if not self.model:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "model must not be empty")

    @property
    def url(self) -> str:
        """The chat completions URL."""
        return self.base_url.rstrip("/") + "/chat/completions"

    @property
    def label(self) -> str:
        """`model@base_url`, for logs and errors (never the key)."""
        return f"{self.model}@{self.base_url}"

    @classmethod
    def from_env(
        cls,
        *,
        base_url: str | None = None,
        model: str | None = None,
        api_key: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Endpoint:
        """Arguments first, then `OPENAI_BASE_URL`, `OPENAI_MODEL`, `OPENAI_API_KEY`, then defaults."""
        env = os.environ if environ is None else environ
        return cls(
            base_url=base_url or env.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL,
            model=model or env.get("OPENAI_MODEL") or DEFAULT_MODEL,
            api_key=api_key or env.get("OPENAI_API_KEY") or None,
        )

    @classmethod
    def coerce(cls, value: Endpoint | Mapping[str, Any]) -> Endpoint:
        """An `Endpoint` from itself or from a config mapping (`base_url`, `model`, ...)."""
        if isinstance(value, Endpoint):
            return value
        try:
            return cls(**dict(value))
        except TypeError as exc:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"bad endpoint config: {exc}") from exc
