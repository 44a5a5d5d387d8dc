"""ReplyRecorder: the agent's replies as they leave the agent node, split into events."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from voicegraph.evals.turn_record import TurnEvent
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames import LLMResponseEndFrame, LLMResponseStartFrame, LLMTextFrame
from voicegraph.framework.frames.call import EndCallFrame, TransferCallFrame
from voicegraph.processors.agent.streaming_agent import StreamingAgent
from voicegraph.processors.agent.tool_call_frame import LLMToolCallFrame
from voicegraph.processors.fallback.fallback_llm import FallbackLLM

if TYPE_CHECKING:
    from voicegraph.framework.frames import Frame
    from voicegraph.framework.node import Link
    from voicegraph.framework.runtime import Runtime
    from voicegraph.processors.agent.chat_events import ToolCall


@dataclass(slots=True)
class Reply:
    """One agent response (`LLMResponseStartFrame` to `LLMResponseEndFrame`), times on the graph clock."""

    start_ns: int
    events: list[TurnEvent] = field(default_factory=list)
    first_text_ns: int | None = None
    end_ns: int | None = None
    """None until the response ended (0 is a valid time on a virtual clock)."""

    def add_text(self, text: str) -> None:
        if self.events and self.events[-1].kind == "said":
            self.events[-1].text += text
        else:
            self.events.append(TurnEvent("said", text=text))


class ReplyRecorder:
    """Observes the link out of the graph's agent node (a probe: the frames are not touched).

    Records per response its text (split around tool calls), its tool calls with their
    arguments, and the call actions that follow it (`EndCallFrame`, `TransferCallFrame`),
    with the times of its first text and its end. `ended` is set at each response end.
    """

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.ended = asyncio.Event()
        self._rt: Runtime | None = None

    def attach(self, rt: Runtime) -> None:
        """Observe the first link out of every agent node of `rt`'s graph.

        Raises:
            VoiceError: (invalid_config) the graph has no agent node.
        """
        graph, found = rt.graph, False
        for name, proc in graph.processors.items():
            nxt = graph.downstream(name)
            if isinstance(proc, StreamingAgent | FallbackLLM) and nxt:
                rt.observe(name, nxt[0], self._on_frame)
                found = True
        if not found:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"graph {graph.name!r} has no agent node to observe")
        self._rt = rt

    def _on_frame(self, frame: Frame, _link: Link) -> None:
        assert self._rt is not None
        now = self._rt.clock.now_ns()
        if isinstance(frame, LLMResponseStartFrame):
            self.replies.append(Reply(start_ns=now))
            return
        reply = self.replies[-1] if self.replies else None
        if reply is None:
            return
        if isinstance(frame, LLMTextFrame):
            if reply.first_text_ns is None:
                reply.first_text_ns = now
            reply.add_text(frame.text)
        elif isinstance(frame, LLMToolCallFrame):
            reply.events.extend(TurnEvent("tool", name=c.name, args=_args(c)) for c in frame.calls)
        elif isinstance(frame, LLMResponseEndFrame):
            reply.end_ns = now
            self.ended.set()
        elif isinstance(frame, TransferCallFrame):
            reply.events.append(TurnEvent("transfer", text=frame.reason, name=frame.target))
        elif isinstance(frame, EndCallFrame):
            reply.events.append(TurnEvent("end_call", text=frame.reason))


def _args(call: ToolCall) -> dict[str, Any]:
    try:
        value = json.loads(call.arguments or "{}")
    except json.JSONDecodeError:
        return {"<raw>": call.arguments}
    return value if isinstance(value, dict) else {"<raw>": call.arguments}
