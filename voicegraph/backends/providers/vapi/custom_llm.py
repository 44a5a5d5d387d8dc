"""CustomLLM: the OpenAI-compatible `/chat/completions` endpoint Vapi calls as its custom LLM."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from voicegraph.backends.providers.vapi.chat_chunks import ChatChunks, sse
from voicegraph.backends.providers.vapi.http_errors import error_body, error_response, parse_json_object
from voicegraph.backends.providers.vapi.webhook_auth import check_bearer
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import LLMResponseEndFrame, LLMTextFrame
from voicegraph.processors.agent.tool_call_frame import LLMToolCallFrame

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aiohttp import web

    from voicegraph.backends.providers.vapi.call_agents import CallAgents
    from voicegraph.processors.agent.chat_events import ToolCall

log = logging.getLogger("voicegraph.backends.vapi")


def call_key(body: dict[str, Any], headers: Mapping[str, str]) -> str:
    """Which call a request belongs to: `call.id` (Vapi's default `metadataSendMode`),
    else `metadata.callId`/`metadata.call_id`, else an `X-Call-Id` header.

    Raises:
        VoiceError: (invalid_input) none of them (turn `metadataSendMode` on in Vapi).
    """
    call = body.get("call")
    if isinstance(call, dict) and call.get("id"):
        return str(call["id"])
    meta = body.get("metadata")
    if isinstance(meta, dict):
        for key in ("callId", "call_id"):
            if meta.get(key):
                return str(meta[key])
    if headers.get("X-Call-Id"):
        return str(headers["X-Call-Id"])
    raise VoiceError(ErrorCode.INVALID_INPUT, "custom LLM: no call.id in the body (metadataSendMode is off?)")


def chat_request(body: dict[str, Any]) -> tuple[tuple[dict[str, Any], ...], tuple[dict[str, Any], ...]]:
    """The request's messages and tools, checked.

    Raises:
        VoiceError: (invalid_input) no messages, or a message without a role.
    """
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise VoiceError(ErrorCode.INVALID_INPUT, "custom LLM: messages must be a non-empty list")
    if not all(isinstance(m, dict) and isinstance(m.get("role"), str) for m in messages):
        raise VoiceError(ErrorCode.INVALID_INPUT, "custom LLM: every message needs a role")
    tools = body.get("tools") or []
    if not isinstance(tools, list) or not all(isinstance(t, dict) for t in tools):
        raise VoiceError(ErrorCode.INVALID_INPUT, "custom LLM: tools must be a list of objects")
    return tuple(messages), tuple(tools)


class CustomLLM:
    """Answers Vapi's chat-completion requests with the call's voicegraph agent graph.

    Handles `POST <llm_path>` with `Authorization: Bearer <llm_api_key>`; the body is
    OpenAI's chat-completions request plus Vapi's `call` (its id keys the conversation:
    see `CallAgents`). Emits, with `stream: true` (what Vapi sends), `text/event-stream`
    of `chat.completion.chunk`s: the role chunk, one content delta per `LLMTextFrame` as
    the agent streams it, the unexecuted tool calls (for Vapi to run; finish reason
    `tool_calls`), the finish chunk, `data: [DONE]`; else one `chat.completion`. Errors
    before the first byte are coded JSON (401, 400, 500...); after it, an SSE
    `{"error": ...}` event and the stream ends. Latency: the agent's time to first token.

    Args:
        agents: the per-call agent graphs.
        api_key: the bearer key Vapi's custom-LLM credential sends.
    """

    def __init__(self, agents: CallAgents, *, api_key: str) -> None:
        self.agents, self.api_key = agents, api_key
        self.requests = 0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """One chat-completions request."""
        self.requests += 1
        try:
            check_bearer(request.headers, self.api_key)
            body = parse_json_object(await request.read(), "custom LLM")
            messages, tools = chat_request(body)
            call_id = call_key(body, request.headers)
        except VoiceError as err:
            return error_response(err)
        chunks = ChatChunks(model=str(body.get("model") or "voicegraph"))
        if body.get("stream"):
            return await self._stream(request, chunks, call_id, messages, tools)
        return await self._whole(chunks, call_id, messages, tools)

    async def _stream(
        self,
        request: web.Request,
        chunks: ChatChunks,
        call_id: str,
        messages: tuple[dict[str, Any], ...],
        tools: tuple[dict[str, Any], ...],
    ) -> web.StreamResponse:
        from aiohttp import web

        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        await response.write(sse(chunks.role()))
        calls: tuple[ToolCall, ...] = ()
        try:
            async for frame in self.agents.reply(call_id, messages, tools):
                if isinstance(frame, LLMTextFrame) and frame.text:
                    await response.write(sse(chunks.text(frame.text)))
                elif isinstance(frame, LLMToolCallFrame) and not frame.results:
                    calls += frame.calls
            if calls:
                await response.write(sse(chunks.tool_calls(calls)))
            await response.write(sse(chunks.finish("tool_calls" if calls else "stop")))
        except VoiceError as err:
            log.warning("call %s: custom LLM reply failed: %s", call_id, err)
            await response.write(sse(error_body(err)))
        await response.write(sse("[DONE]"))
        await response.write_eof()
        return response

    async def _whole(
        self,
        chunks: ChatChunks,
        call_id: str,
        messages: tuple[dict[str, Any], ...],
        tools: tuple[dict[str, Any], ...],
    ) -> web.Response:
        from aiohttp import web

        text, calls, usage = "", tuple[Any, ...](), dict[str, int]()
        try:
            async for frame in self.agents.reply(call_id, messages, tools):
                if isinstance(frame, LLMTextFrame):
                    text += frame.text
                elif isinstance(frame, LLMToolCallFrame) and not frame.results:
                    calls += frame.calls
                elif isinstance(frame, LLMResponseEndFrame):
                    usage = dict(frame.usage)
        except VoiceError as err:
            return error_response(err)
        return web.json_response(chunks.completion(text, calls, usage))
