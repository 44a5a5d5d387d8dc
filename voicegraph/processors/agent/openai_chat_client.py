"""OpenAIChatClient: streaming chat completions over httpx, with retries, deadlines and fallback."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import anyio

from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency
from voicegraph.processors.agent.chat_errors import (
    ChatServiceError,
    error_from_status,
    error_from_transport,
)
from voicegraph.processors.agent.chat_events import ChatEvent, TextDelta, ToolCall, Usage
from voicegraph.processors.agent.chat_stream_parser import ChatStreamParser
from voicegraph.processors.agent.chat_timeouts import ChatTimeouts
from voicegraph.processors.agent.endpoint import Endpoint
from voicegraph.processors.agent.retry_policy import RetryPolicy

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
    from types import TracebackType

    import httpx

log = logging.getLogger("voicegraph.agent.openai")

_DRAIN_S = 0.05
"""How long to wait for the end of the HTTP body after `[DONE]`."""


@dataclass(slots=True)
class ChatResult:
    """A whole (collected) chat completion."""

    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: Usage | None = None
    finish_reason: str | None = None


class OpenAIChatClient:
    """Streams chat completions from OpenAI-compatible endpoints, tried in order.

    Each endpoint gets up to `retry.max_attempts` tries with exponential backoff for
    retriable errors (429, 5xx, timeouts, dropped connections); any failure then moves on
    to the next endpoint; the last error is raised when all have failed. Nothing is retried
    once a text or tool-call event has been yielded: a later failure is raised as is.
    Closing the stream early (or cancelling its consumer) closes the HTTP response.

    Args:
        endpoints: the primary endpoint first, then fallbacks.
        timeouts: per-attempt deadlines.
        retry: backoff policy per endpoint.
        include_usage: ask for the usage chunk (`stream_options.include_usage`).
        http: a shared `httpx.AsyncClient`; when None the client makes and owns one.
    """

    def __init__(
        self,
        endpoints: Endpoint | Sequence[Endpoint],
        *,
        timeouts: ChatTimeouts | None = None,
        retry: RetryPolicy | None = None,
        include_usage: bool = True,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.endpoints = (endpoints,) if isinstance(endpoints, Endpoint) else tuple(endpoints)
        if not self.endpoints:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "at least one endpoint is needed")
        self.timeouts = timeouts or ChatTimeouts()
        self.retry = retry or RetryPolicy()
        self.include_usage = include_usage
        self._own_http = http is None
        t = self.timeouts
        if http is None:
            try:
                import httpx
            except ImportError:
                raise missing_dependency("agent", "httpx") from None
            http = httpx.AsyncClient(timeout=httpx.Timeout(None, connect=t.connect_s))
        self._http = http
        self.last_endpoint: Endpoint | None = None
        """The endpoint that served the last successful stream."""
        self.attempts = 0
        """HTTP attempts made by the last stream (1 when the first try succeeded)."""

    async def aclose(self) -> None:
        """Close the HTTP client if this object made it."""
        if self._own_http:
            await self._http.aclose()

    async def __aenter__(self) -> OpenAIChatClient:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def complete(
        self, messages: Sequence[Mapping[str, Any]], *, tools: Sequence[Mapping[str, Any]] = (), **params: Any
    ) -> ChatResult:
        """Run one request to the end and collect it."""
        result = ChatResult()
        parts: list[str] = []
        async with contextlib.aclosing(self.stream(messages, tools=tools, **params)) as events:
            async for event in events:
                if isinstance(event, TextDelta):
                    parts.append(event.text)
                elif isinstance(event, ToolCall):
                    result.tool_calls.append(event)
                elif isinstance(event, Usage):
                    result.usage = event
                else:
                    result.finish_reason = event.reason
        result.text = "".join(parts)
        return result

    async def stream(
        self, messages: Sequence[Mapping[str, Any]], *, tools: Sequence[Mapping[str, Any]] = (), **params: Any
    ) -> AsyncGenerator[ChatEvent, None]:
        """Yield the events of one chat completion (use `contextlib.aclosing` around it).

        Raises:
            VoiceError: the last endpoint's error: authentication_failed (401),
                authorization_failed (403), rate_limit_exceeded (429), connection_failed
                (5xx, dropped stream), connection_timeout, timeout (first token, idle,
                total), protocol_error (malformed chunks), invalid_input (400).
        """
        self.attempts = 0
        last: VoiceError | None = None
        for endpoint in self.endpoints:
            body = self._body(endpoint, messages, tools, params)
            for attempt in range(self.retry.max_attempts):
                self.attempts += 1
                emitted = False
                try:
                    async with contextlib.aclosing(self._attempt(endpoint, body)) as events:
                        async for event in events:
                            emitted = emitted or isinstance(event, TextDelta | ToolCall)
                            yield event
                    self.last_endpoint = endpoint
                    return
                except VoiceError as err:
                    if emitted:
                        raise
                    last = err
                    log.info("chat attempt %d on %s failed: %s", attempt + 1, endpoint.label, err)
                    if not err.retriable or attempt + 1 == self.retry.max_attempts:
                        break
                    hint = err.retry_after_s if isinstance(err, ChatServiceError) else None
                    await asyncio.sleep(self.retry.delay(attempt, hint))
        assert last is not None
        raise last

    def _body(
        self,
        endpoint: Endpoint,
        messages: Sequence[Mapping[str, Any]],
        tools: Sequence[Mapping[str, Any]],
        params: Mapping[str, Any],
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"model": endpoint.model, "messages": [dict(m) for m in messages]}
        body.update(params)
        body.update(endpoint.params)
        body["stream"] = True
        if self.include_usage:
            body["stream_options"] = {"include_usage": True}
        if tools:
            body["tools"] = [dict(t) for t in tools]
        return body

    async def _attempt(self, endpoint: Endpoint, body: dict[str, Any]) -> AsyncGenerator[ChatEvent, None]:
        import httpx  # present: the client exists

        loop = asyncio.get_running_loop()
        t = self.timeouts
        start = loop.time()
        total_at = start + t.total_s
        first_at = min(total_at, start + t.first_token_s)
        headers = {"Accept": "text/event-stream", **endpoint.headers}
        if endpoint.api_key:
            headers["Authorization"] = f"Bearer {endpoint.api_key}"
        request = self._http.build_request("POST", endpoint.url, json=body, headers=headers)
        try:
            async with asyncio.timeout_at(first_at):
                response = await self._http.send(request, stream=True)
        except TimeoutError:
            msg = f"{endpoint.label}: no response in time"
            raise ChatServiceError(ErrorCode.TIMEOUT, msg, retriable=True) from None
        except httpx.HTTPError as exc:
            raise error_from_transport(exc, endpoint.url, before_response=True) from exc
        try:
            if response.status_code >= 300:
                body_bytes = await _read_body(response, first_at)
                raise error_from_status(response.status_code, body_bytes, response.headers)
            if response.headers.get("content-type", "").startswith("application/json"):
                msg = f"{endpoint.label}: answered with JSON, not an event stream"
                raise ChatServiceError(ErrorCode.PROTOCOL_ERROR, msg)
            parser = ChatStreamParser()
            raw = cast("AsyncGenerator[bytes, None]", response.aiter_bytes())
            async with contextlib.aclosing(raw) as chunks:
                while not parser.done:
                    deadline = min(total_at, loop.time() + t.idle_s) if parser.started else first_at
                    chunk = await _next_chunk(chunks, deadline, endpoint)
                    if chunk is None:
                        break
                    for event in parser.feed(chunk):
                        yield event
                if parser.done:
                    await _drain(chunks, loop.time() + _DRAIN_S)
            for event in parser.close() if not parser.done else ():
                yield event
        except httpx.HTTPError as exc:
            raise error_from_transport(exc, endpoint.url) from exc
        finally:
            await _close(response)


async def _next_chunk(chunks: AsyncIterator[bytes], deadline: float, endpoint: Endpoint) -> bytes | None:
    try:
        async with asyncio.timeout_at(deadline):
            return await anext(chunks)
    except StopAsyncIteration:
        return None
    except TimeoutError:
        msg = f"{endpoint.label}: stream stalled"
        raise ChatServiceError(ErrorCode.TIMEOUT, msg, retriable=True) from None


async def _drain(chunks: AsyncIterator[bytes], deadline: float) -> None:
    """Read the few bytes after `[DONE]` so the connection can go back to the pool.

    Reusing it saves a TCP (and TLS) handshake on the next turn; a server that keeps the
    stream open is not waited for: the connection is closed instead.
    """
    import httpx

    with contextlib.suppress(TimeoutError, httpx.HTTPError):
        async with asyncio.timeout_at(deadline):
            async for _ in chunks:
                pass


async def _read_body(response: httpx.Response, deadline: float) -> bytes:
    """The error body, or b"" when it does not come in time (the status alone decides then)."""
    import httpx

    try:
        async with asyncio.timeout_at(deadline):
            return await response.aread()
    except (TimeoutError, httpx.HTTPError):
        return b""


async def _close(response: httpx.Response) -> None:
    # Runs on cancellation too (interruption): shielded, with a deadline, so the socket is
    # always released and a stuck close cannot hold the interruption up.
    with contextlib.suppress(Exception), anyio.move_on_after(2.0, shield=True):
        await response.aclose()
