"""VapiOptions: the `vapi` provider's options, checked once, with coded errors naming the field."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from voicegraph.framework.errors import ErrorCode, VoiceError

MIN_SECRET_CHARS = 16
_KNOWN = {
    "host", "port", "reuse_port", "secret", "llm_api_key", "hmac_secret", "llm_path", "webhook_path",
    "assistants", "default_assistant", "assistant_hook", "tools", "tool_timeout_s", "call_idle_s",
    "max_body_bytes",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class VapiOptions:
    """What the `vapi` provider serves and how it checks who calls.

    Credentials: `secret` (server URL: `X-Vapi-Secret` or `Authorization: Bearer`; default
    `VAPI_SERVER_SECRET`), `llm_api_key` (custom LLM bearer; default `VAPI_LLM_API_KEY`),
    `hmac_secret` (optional: also accept an `x-vapi-signature` HMAC-SHA256 of the body;
    default `VAPI_HMAC_SECRET`). Each is required (the HMAC one aside) and at least 16 characters.
    """

    host: str = "127.0.0.1"
    port: int = 8790
    reuse_port: bool = False
    secret: str = ""
    llm_api_key: str = ""
    hmac_secret: str = ""
    llm_path: str = "/chat/completions"
    """The custom-LLM route (Vapi posts to `{model.url}/chat/completions`)."""
    webhook_path: str = "/vapi/webhook"
    """The server URL route."""
    assistants: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Named assistants (`{"assistantId": ...}` or `{"assistant": {...}}` replies, or an inline assistant)."""
    default_assistant: str = ""
    """The name answered to `assistant-request` when the hook gives none."""
    assistant_hook: str = ""
    """`module:function(message) -> name | reply dict | None` choosing the assistant per call."""
    tools: tuple[str, ...] = ()
    """`module:attr` import strings of the tools answering `tool-calls` (a `ToolRegistry`)."""
    tool_timeout_s: float = 10.0
    call_idle_s: float = 900.0
    """A call's agent graph is stopped after this long without a request."""
    max_body_bytes: int = 1 << 20

    @classmethod
    def parse(cls, options: dict[str, Any]) -> VapiOptions:
        """Options from the config, credentials from the environment when unset.

        Raises:
            VoiceError: (invalid_config) an unknown option, or a missing or too short
                credential; the message names the field.
        """
        unknown = sorted(set(options) - _KNOWN)
        if unknown:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"vapi: unknown options {', '.join(unknown)}")
        values = dict(options)
        values["secret"] = _credential(values, "secret", "VAPI_SERVER_SECRET", required=True)
        values["llm_api_key"] = _credential(values, "llm_api_key", "VAPI_LLM_API_KEY", required=True)
        values["hmac_secret"] = _credential(values, "hmac_secret", "VAPI_HMAC_SECRET", required=False)
        values["tools"] = tuple(values.get("tools") or ())
        values["assistants"] = dict(values.get("assistants") or {})
        try:
            parsed = cls(**values)
        except TypeError as exc:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"vapi: {exc}") from exc
        if parsed.default_assistant and parsed.default_assistant not in parsed.assistants:
            raise VoiceError(
                ErrorCode.INVALID_CONFIG,
                f"vapi: default_assistant {parsed.default_assistant!r} not in assistants",
            )
        return parsed


def _credential(values: dict[str, Any], name: str, env: str, *, required: bool) -> str:
    value = str(values.get(name) or os.environ.get(env, ""))
    if not value and not required:
        return ""
    if not value:
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"vapi: options.{name} missing (or set {env})")
    if len(value) < MIN_SECRET_CHARS:
        raise VoiceError(
            ErrorCode.INVALID_CONFIG,
            f"vapi: options.{name} is too short (at least {MIN_SECRET_CHARS} characters)",
        )
    return value
