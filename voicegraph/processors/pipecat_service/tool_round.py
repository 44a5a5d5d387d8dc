"""ToolRound: a Pipecat LLM's function calls run with a voicegraph ToolRegistry, round closed."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from voicegraph.processors.agent.chat_events import ToolCall
from voicegraph.processors.agent.tool_call_frame import LLMToolCallFrame
from voicegraph.processors.agent.tool_context import ToolContext
from voicegraph.processors.agent.tool_registry import round_messages

if TYPE_CHECKING:
    from voicegraph.framework.frames.base import Frame
    from voicegraph.processors.agent.tool_registry import ToolRegistry
    from voicegraph.processors.agent.tool_result import ToolResult


class ToolRound:
    """Runs the calls of one LLM step and closes the round the way Pipecat's assistant
    context aggregator would (the node has none): once every call of the step has its
    result, the round's messages (the assistant `tool_calls` message and one `tool`
    message per call) go into the context and the LLM runs again.

    `handler` is registered on the Pipecat LLM service as its catch-all function
    (`register_function(None, ...)`), so Pipecat's own call machinery (timeouts,
    `FunctionCallInProgressFrame`/`FunctionCallResultFrame`) stays in charge.
    """

    def __init__(self, registry: ToolRegistry) -> None:
        self.registry = registry
        self.metadata: dict[str, Any] = {}
        self._calls: dict[str, ToolCall] = {}
        self._results: dict[str, ToolResult] = {}
        self._actions: list[Frame] = []

    def started(self, calls: tuple[ToolCall, ...]) -> None:
        """A step asked for `calls` (Pipecat's `FunctionCallsStartedFrame`)."""
        self._calls = {c.id: c for c in calls}
        self._results.clear()

    async def handler(self, params: Any) -> None:
        """Pipecat's function handler: run the tool, hand its content to `result_callback`."""
        call = self._calls.get(params.tool_call_id) or ToolCall(
            index=len(self._calls), id=params.tool_call_id, name=params.function_name,
            arguments=json.dumps(dict(params.arguments or {})),
        )  # fmt: skip
        ctx = ToolContext(call=call, metadata=dict(self.metadata))
        result = await self.registry.run(ctx)
        self._results[call.id] = result
        self._actions += ctx.actions
        await params.result_callback(result.content)

    def finished(self, tool_call_id: str) -> LLMToolCallFrame | None:
        """The frame of the round once its last result is in (Pipecat's
        `FunctionCallResultFrame` for `tool_call_id`), else None."""
        if tool_call_id not in self._calls or any(cid not in self._results for cid in self._calls):
            return None
        calls = tuple(self._calls.values())
        results = tuple(self._results[c.id] for c in calls)
        self._calls, self._results = {}, {}
        return LLMToolCallFrame(
            calls=calls, results=results, messages=tuple(round_messages("", calls, results))
        )

    def take_actions(self) -> list[Frame]:
        """Call-control frames the tools asked for (end or transfer the call)."""
        actions, self._actions = self._actions, []
        return actions
