"""StreamingAgent: the shared body of agent nodes that stream a reply to LLMMessagesFrame."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, ClassVar

from voicegraph.framework.frames.llm import (
    LLMMessagesFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
)
from voicegraph.framework.frames.system import MetricsFrame
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles
from voicegraph.processors.agent.chat_events import TextDelta, ToolCall, Usage
from voicegraph.processors.agent.tool_call_frame import LLMToolCallFrame

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

    from voicegraph.processors.agent.chat_events import ChatEvent


class StreamingAgent(Processor):
    """Base of agent nodes: runs `generate()` per LLMMessagesFrame and streams its events out.

    Handles: `LLMMessagesFrame`. Emits: `LLMResponseStartFrame`, one `LLMTextFrame` per text
    delta as it arrives, `LLMToolCallFrame` (if the model called tools), then
    `LLMResponseEndFrame(usage=...)`; `MetricsFrame`s with `ttft_ms` at the first token and
    `total_ms`, `tokens`, `tokens_per_s` at the end. Latency: the model's time to first
    token. On failure the end frame still goes out, then the coded error is raised to the
    runtime (bus). On flush (interruption) the runtime cancels the running handler, which
    closes the generator (and its HTTP stream); nothing more is emitted. Drain: the reply
    in progress finishes before the end frame, as frames are handled in order.
    """

    concurrent: ClassVar[bool] = True
    interruptible = True

    def generate(self, frame: LLMMessagesFrame) -> AsyncGenerator[ChatEvent, None]:
        """The events of the reply to `frame`; subclasses implement it."""
        raise NotImplementedError

    @handles
    async def on_messages(self, frame: LLMMessagesFrame, out: Outbox) -> None:
        """Stream one reply."""
        clock = self.clock
        t0 = clock.now_ns()
        first_ns: int | None = None
        tokens = 0
        usage: dict[str, int] = {}
        calls: list[ToolCall] = []
        await out.send(LLMResponseStartFrame())
        try:
            async with contextlib.aclosing(self.generate(frame)) as events:
                async for event in events:
                    if isinstance(event, TextDelta):
                        if first_ns is None:
                            first_ns = clock.now_ns()
                            ttft = {"ttft_ms": (first_ns - t0) / 1e6}
                            await out.send(MetricsFrame(node=self.name, values=ttft))
                        tokens += 1
                        await out.send(LLMTextFrame(text=event.text))
                    elif isinstance(event, ToolCall):
                        calls.append(event)
                    elif isinstance(event, Usage):
                        usage = event.as_dict()
        except Exception:
            await out.send(LLMResponseEndFrame(usage=usage))
            raise
        if calls:
            await out.send(LLMToolCallFrame(calls=tuple(calls)))
        await out.send(LLMResponseEndFrame(usage=usage))
        await out.send(MetricsFrame(node=self.name, values=_totals(t0, first_ns, clock.now_ns(), tokens)))


def _totals(t0: int, first_ns: int | None, end_ns: int, tokens: int) -> dict[str, float]:
    values = {"total_ms": (end_ns - t0) / 1e6, "tokens": float(tokens)}
    if first_ns is not None and tokens > 1 and end_ns > first_ns:
        values["tokens_per_s"] = (tokens - 1) / ((end_ns - first_ns) / 1e9)
    return values
