"""StreamingAgent: the shared body of agent nodes that stream a reply to LLMMessagesFrame."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from typing import TYPE_CHECKING, Any, ClassVar

from voicegraph.framework.bus import CustomEvent
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames.call import EndCallFrame, TransferCallFrame
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
from voicegraph.processors.agent.tool_registry import ToolLike, ToolRegistry, round_messages

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Iterable

    from voicegraph.framework.context import StartContext
    from voicegraph.framework.frames.base import Frame
    from voicegraph.processors.agent.chat_events import ChatEvent

log = logging.getLogger("voicegraph.agent")


@dataclasses.dataclass(slots=True)
class _Turn:
    """Counters of one reply across its tool steps."""

    t0: int
    first_ns: int | None = None
    tokens: int = 0
    usage: dict[str, int] = dataclasses.field(default_factory=dict)
    actions: list[Frame] = dataclasses.field(default_factory=list)


class StreamingAgent(Processor):
    """Base of agent nodes: runs `generate()` per LLMMessagesFrame and streams its events out.

    Handles: `LLMMessagesFrame`. Emits: `LLMResponseStartFrame`, one `LLMTextFrame` per text
    delta as it arrives, `LLMToolCallFrame` per tool step, then `LLMResponseEndFrame(usage=...)`
    (usage summed over steps); `MetricsFrame`s with `ttft_ms` at the first token and
    `total_ms`, `tokens`, `tokens_per_s` at the end; last, any `EndCallFrame` or
    `TransferCallFrame` a tool asked for (also published on the bus as `CustomEvent`s
    `end_call` / `transfer_call`).

    Tools: with a registry (`tools`), the node offers the tools' schemas in each request,
    runs the calls the model makes (each under `tool_timeout_s`, parallel calls together),
    appends the assistant `tool_calls` message and the `tool` results, and asks again, up
    to `max_tool_steps` rounds per turn; the round's messages ride in `LLMToolCallFrame`
    for the conversation context. Without a registry, calls are only reported (one
    `LLMToolCallFrame`, unexecuted), for a downstream node to run.

    Latency: the model's time to first token (plus tool time when tools run). On failure
    the end frame still goes out, then the coded error is raised to the runtime (bus). On
    flush (interruption) the runtime cancels the running handler, which closes the
    generator (and its HTTP stream) and cancels running tools; nothing more is emitted.
    Drain: the reply in progress finishes before the end frame, as frames are handled in
    order.
    """

    concurrent: ClassVar[bool] = True
    interruptible = True

    def __init__(
        self,
        *,
        tools: ToolRegistry | Iterable[ToolLike] | None = None,
        max_tool_steps: int = 5,
        tool_timeout_s: float = 10.0,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        if max_tool_steps < 0:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "max_tool_steps must not be negative", node=name)
        if tools is None or isinstance(tools, ToolRegistry):
            self.tools = tools
        else:
            self.tools = ToolRegistry(tools, timeout_s=tool_timeout_s)
        self.max_tool_steps = max_tool_steps
        self._metadata: dict[str, Any] = {}
        self._ctx: StartContext | None = None

    async def on_start(self, ctx: StartContext) -> None:
        """Keep the session's metadata for tools."""
        self._ctx = ctx
        self._metadata = ctx.metadata

    def generate(self, frame: LLMMessagesFrame) -> AsyncGenerator[ChatEvent, None]:
        """The events of the reply to `frame`; subclasses implement it."""
        raise NotImplementedError

    @handles
    async def on_messages(self, frame: LLMMessagesFrame, out: Outbox) -> None:
        """Stream one reply (with its tool rounds)."""
        turn = _Turn(t0=self.clock.now_ns())
        await out.send(LLMResponseStartFrame())
        try:
            await self._run_steps(frame, out, turn)
        except Exception:
            await out.send(LLMResponseEndFrame(usage=turn.usage))
            raise
        await out.send(LLMResponseEndFrame(usage=turn.usage))
        await out.send(MetricsFrame(node=self.name, values=_totals(turn, self.clock.now_ns())))
        for action in turn.actions:
            await out.send(action)
            self._announce(action)

    async def _run_steps(self, frame: LLMMessagesFrame, out: Outbox, turn: _Turn) -> None:
        registry = self.tools if self.tools is not None and len(self.tools) else None
        request = (
            frame if registry is None else dataclasses.replace(frame, tools=frame.tools + registry.schemas())
        )
        for step in range(self.max_tool_steps + 1):
            text, calls = await self._step(request, out, turn)
            if not calls:
                return
            if registry is None or step == self.max_tool_steps:
                if registry is not None:
                    log.warning(
                        "%s: tool step limit (%d) reached; calls not run", self.name, self.max_tool_steps
                    )
                await out.send(LLMToolCallFrame(calls=tuple(calls)))
                return
            results, actions = await registry.run_all(calls, self._metadata)
            messages = round_messages(text, calls, results)
            turn.actions += actions
            await out.send(
                LLMToolCallFrame(calls=tuple(calls), results=tuple(results), messages=tuple(messages))
            )
            request = dataclasses.replace(request, messages=request.messages + tuple(messages))

    async def _step(self, request: LLMMessagesFrame, out: Outbox, turn: _Turn) -> tuple[str, list[ToolCall]]:
        clock = self.clock
        calls: list[ToolCall] = []
        parts: list[str] = []
        async with contextlib.aclosing(self.generate(request)) as events:
            async for event in events:
                if isinstance(event, TextDelta):
                    if turn.first_ns is None:
                        turn.first_ns = clock.now_ns()
                        ttft = {"ttft_ms": (turn.first_ns - turn.t0) / 1e6}
                        await out.send(MetricsFrame(node=self.name, values=ttft))
                    turn.tokens += 1
                    parts.append(event.text)
                    await out.send(LLMTextFrame(text=event.text))
                elif isinstance(event, ToolCall):
                    calls.append(event)
                elif isinstance(event, Usage):
                    for key, value in event.as_dict().items():
                        turn.usage[key] = turn.usage.get(key, 0) + value
        return "".join(parts), calls

    def _announce(self, action: Frame) -> None:
        if self._ctx is None:
            return
        if isinstance(action, EndCallFrame):
            event = CustomEvent(
                graph=self._ctx.graph_name, name="end_call", payload={"reason": action.reason}
            )
        elif isinstance(action, TransferCallFrame):
            payload = {"target": action.target, "reason": action.reason}
            event = CustomEvent(graph=self._ctx.graph_name, name="transfer_call", payload=payload)
        else:
            return
        self._ctx.bus.publish(event)


def _totals(turn: _Turn, end_ns: int) -> dict[str, float]:
    values = {"total_ms": (end_ns - turn.t0) / 1e6, "tokens": float(turn.tokens)}
    first, tokens = turn.first_ns, turn.tokens
    if first is not None and tokens > 1 and end_ns > first:
        values["tokens_per_s"] = (tokens - 1) / ((end_ns - first) / 1e9)
    return values
