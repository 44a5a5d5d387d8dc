"""LLMNode: an agent node backed by any OpenAI-compatible streaming chat endpoint."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.latency import LatencySpec
from voicegraph.processors.agent.chat_timeouts import ChatTimeouts
from voicegraph.processors.agent.endpoint import Endpoint
from voicegraph.processors.agent.openai_chat_client import OpenAIChatClient
from voicegraph.processors.agent.retry_policy import RetryPolicy
from voicegraph.processors.agent.streaming_agent import StreamingAgent

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Iterable

    from voicegraph.framework.context import StartContext
    from voicegraph.framework.frames.llm import LLMMessagesFrame
    from voicegraph.processors.agent.chat_events import ChatEvent
    from voicegraph.processors.agent.tool_registry import ToolLike, ToolRegistry


class LLMNode(StreamingAgent):
    """Streams replies from an OpenAI-compatible chat endpoint (OpenAI, Ollama, llama.cpp).

    Handles: `LLMMessagesFrame` (messages and tools). Emits: `LLMResponseStartFrame`,
    `LLMTextFrame` per delta as it arrives, `LLMToolCallFrame` per tool round (tools run
    by the node when it has `tools`), `EndCallFrame`/`TransferCallFrame` when a tool asks,
    `LLMResponseEndFrame(usage=...)`, and `MetricsFrame`s (`ttft_ms`, totals). Latency: the
    endpoint's time to first token (declared for a cloud model). Retries (backoff) and
    fallback endpoints apply only before the first token. Flush: the runtime cancels the
    handler; the HTTP stream is closed at once. Drain: the reply in progress finishes.

    Args:
        model, base_url, api_key: the primary endpoint; unset values come from
            `OPENAI_MODEL`, `OPENAI_BASE_URL`, `OPENAI_API_KEY`, then OpenAI's defaults.
        fallbacks: endpoints (or mappings of `Endpoint` fields) tried in order after it.
        endpoints: the whole list instead (primary first); the three above are then unused.
        params: extra request fields (`temperature`, `max_tokens`, `seed`, ...).
        timeouts, retry: per-attempt deadlines and backoff (objects or mappings).
        include_usage: ask for the usage chunk.
        tools: a `ToolRegistry`, or functions / `Tool`s / `"module:attr"` strings to offer
            the model; the node runs the calls (see `StreamingAgent`).
        max_tool_steps: tool rounds per turn before the reply must be text.
        tool_timeout_s: deadline of each tool call.
    """

    latency = LatencySpec(ms=400.0, note="time to first token of a cloud model")

    def __init__(
        self,
        *,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        fallbacks: Sequence[Endpoint | Mapping[str, Any]] = (),
        endpoints: Sequence[Endpoint | Mapping[str, Any]] | None = None,
        params: Mapping[str, Any] | None = None,
        timeouts: ChatTimeouts | Mapping[str, float] | None = None,
        retry: RetryPolicy | Mapping[str, Any] | None = None,
        include_usage: bool = True,
        tools: ToolRegistry | Iterable[ToolLike] | None = None,
        max_tool_steps: int = 5,
        tool_timeout_s: float = 10.0,
        name: str | None = None,
    ) -> None:
        super().__init__(tools=tools, max_tool_steps=max_tool_steps, tool_timeout_s=tool_timeout_s, name=name)
        if endpoints is None:
            primary = Endpoint.from_env(base_url=base_url, model=model, api_key=api_key)
            endpoints = (primary, *fallbacks)
        self.endpoints: tuple[Endpoint, ...] = tuple(Endpoint.coerce(e) for e in endpoints)
        self.params: dict[str, Any] = dict(params or {})
        self.timeouts = _coerce(ChatTimeouts, timeouts)
        self.retry = _coerce(RetryPolicy, retry)
        self.include_usage = include_usage
        self._client: OpenAIChatClient | None = None

    @property
    def client(self) -> OpenAIChatClient:
        """The chat client (exists between start and stop)."""
        if self._client is None:
            raise VoiceError(ErrorCode.PIPELINE_ERROR, "LLMNode is not started", node=self.name)
        return self._client

    async def on_start(self, ctx: StartContext) -> None:
        """Open the HTTP client."""
        await super().on_start(ctx)
        self._client = OpenAIChatClient(
            self.endpoints, timeouts=self.timeouts, retry=self.retry, include_usage=self.include_usage
        )

    async def on_stop(self) -> None:
        """Close the HTTP client."""
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    def generate(self, frame: LLMMessagesFrame) -> AsyncGenerator[ChatEvent, None]:
        """Stream the endpoint's reply to the frame's messages."""
        return self.client.stream(frame.messages, tools=frame.tools, **self.params)


T = TypeVar("T")


def _coerce(kind: type[T], value: T | Mapping[str, Any] | None) -> T:
    if value is None:
        return kind()
    if isinstance(value, Mapping):
        try:
            return kind(**value)
        except TypeError as exc:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"bad {kind.__name__}: {exc}") from exc
    return value
