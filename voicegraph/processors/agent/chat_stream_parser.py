"""ChatStreamParser: I/O-free decoder of an OpenAI-compatible chat completion stream."""

from __future__ import annotations

import json
from typing import Any

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.agent.chat_errors import ChatServiceError, error_from_payload
from voicegraph.processors.agent.chat_events import ChatEvent, Finish, TextDelta, Usage
from voicegraph.processors.agent.sse_decoder import SSEDecoder, SSEEvent
from voicegraph.processors.agent.tool_call_assembler import ToolCallAssembler


class ChatStreamParser:
    """Turns the bytes of a `text/event-stream` chat response into `ChatEvent`s.

    Handles: `chat.completion.chunk` events (choice 0), the usage chunk, `[DONE]`, and
    error events. Emits: `TextDelta` per non-empty content delta as it arrives; complete
    `ToolCall`s when the choice finishes (or at `[DONE]`); `Finish`; `Usage`. Latency:
    none; tool calls are held until complete by nature. Data after `[DONE]` is ignored.

    Raises (from `feed`/`close`):
        VoiceError: (protocol_error) a chunk is not JSON or not chunk-shaped;
            (connection_failed, retriable) the stream ended before `[DONE]` and before any
            finish reason; an error event maps to its own code (see `error_from_payload`).
    """

    def __init__(self) -> None:
        self._sse = SSEDecoder()
        self._tools = ToolCallAssembler()
        self.done = False
        """True once `[DONE]` arrived."""
        self.finish_reason: str | None = None
        """The finish reason of choice 0, once given."""
        self.usage: Usage | None = None
        """The usage chunk, once given."""
        self.started = False
        """True once any text or tool-call delta arrived (the model started answering)."""

    def feed(self, chunk: bytes) -> list[ChatEvent]:
        """Parse the next bytes; returns the events they complete, in order."""
        out: list[ChatEvent] = []
        for event in self._sse.feed(chunk):
            if not self.done:
                self._event(event, out)
        return out

    def close(self) -> list[ChatEvent]:
        """End of the byte stream: returns any held tool calls, or raises if it was cut short."""
        out: list[ChatEvent] = []
        for event in self._sse.close():
            if not self.done:
                self._event(event, out)
        if not self.done and self.finish_reason is None:
            raise ChatServiceError(ErrorCode.CONNECTION_FAILED, "stream ended before [DONE]", retriable=True)
        out.extend(self._tools.complete())
        return out

    def _event(self, event: SSEEvent, out: list[ChatEvent]) -> None:
        if event.data.startswith("[DONE]"):
            self.done = True
            out.extend(self._tools.complete())
            return
        try:
            chunk = json.loads(event.data)
        except ValueError:
            raise VoiceError(ErrorCode.PROTOCOL_ERROR, f"chunk is not JSON: {event.data[:120]!r}") from None
        if not isinstance(chunk, dict):
            raise VoiceError(ErrorCode.PROTOCOL_ERROR, "chunk is not a JSON object")
        if chunk.get("error") is not None or event.event == "error":
            raise error_from_payload(chunk.get("error", chunk))
        choices = chunk.get("choices") or []
        if not isinstance(choices, list):
            raise VoiceError(ErrorCode.PROTOCOL_ERROR, "chunk 'choices' is not a list")
        for choice in choices:
            self._choice(choice, out)
        usage = chunk.get("usage")
        if usage is not None:
            self.usage = _usage(usage)
            out.append(self.usage)

    def _choice(self, choice: Any, out: list[ChatEvent]) -> None:
        if not isinstance(choice, dict):
            raise VoiceError(ErrorCode.PROTOCOL_ERROR, "choice is not an object")
        if choice.get("index", 0) != 0:
            return  # n > 1 is not requested; extra choices are ignored
        delta = choice.get("delta") or {}
        if not isinstance(delta, dict):
            raise VoiceError(ErrorCode.PROTOCOL_ERROR, "choice 'delta' is not an object")
        content = delta.get("content")
        if content is not None and not isinstance(content, str):
            raise VoiceError(ErrorCode.PROTOCOL_ERROR, "delta 'content' is not a string")
        if content:
            self.started = True
            out.append(TextDelta(content))
        calls = delta.get("tool_calls")
        if calls is not None:
            if not isinstance(calls, list):
                raise VoiceError(ErrorCode.PROTOCOL_ERROR, "delta 'tool_calls' is not a list")
            self.started = self.started or bool(calls)
            for position, call in enumerate(calls):
                self._tools.add(call, position)
        if delta.get("function_call") is not None:
            self._tools.add_function_call(delta["function_call"])
        reason = choice.get("finish_reason")
        if reason is not None:
            if not isinstance(reason, str):
                raise VoiceError(ErrorCode.PROTOCOL_ERROR, "'finish_reason' is not a string")
            self.finish_reason = reason
            out.extend(self._tools.complete())
            out.append(Finish(reason))


def _usage(value: Any) -> Usage:
    if not isinstance(value, dict):
        raise VoiceError(ErrorCode.PROTOCOL_ERROR, "'usage' is not an object")
    counts = [value.get(k, 0) for k in ("prompt_tokens", "completion_tokens", "total_tokens")]
    if not all(isinstance(n, int) for n in counts):
        raise VoiceError(ErrorCode.PROTOCOL_ERROR, "'usage' counts are not integers")
    return Usage(*counts)
