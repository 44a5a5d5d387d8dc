"""RealtimeToolCalls: runs a response's function calls and hands the results back to the model."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.agent.chat_events import ToolCall
from voicegraph.processors.agent.tool_context import ToolContext
from voicegraph.processors.s2s.realtime_client_events import create_item, function_output_item

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Awaitable, Callable, Coroutine
    from typing import Any

    from voicegraph.framework.frames.base import Frame
    from voicegraph.processors.agent.tool_registry import ToolRegistry
    from voicegraph.processors.agent.tool_result import ToolResult
    from voicegraph.processors.s2s.realtime_client import RealtimeClient
    from voicegraph.processors.s2s.realtime_conversation_log import RealtimeConversationLog
    from voicegraph.processors.s2s.realtime_server_events import FunctionCall


class RealtimeToolCalls:
    """Function calls of realtime responses: run at once, answered when the response ends.

    Each call starts running as soon as its arguments are complete. When the response
    that made the calls ends, every result goes back as a `function_call_output` item,
    then (unless the response was cut off by the user) `respond` asks for the model's
    next reply — never while that response is still active, which the provider refuses.
    A failed call still answers the model (with an error object) and is reported.
    Call-control frames a tool asks for (`EndCallFrame`, `TransferCallFrame`) wait in
    `take_actions` until the reply after the results has been produced.

    Args:
        registry: the agent layer's tool registry.
        metadata: the session's metadata, handed to tools through `ToolContext`.
        client: the provider session.
        log: the local conversation (calls and outputs are kept for a resume).
        spawn: runs a coroutine in the graph's task group.
        respond: asks for the next reply.
        report: publishes a coded error.
        changed: set when the calls of a response are all answered.
    """

    def __init__(
        self,
        registry: ToolRegistry,
        client: RealtimeClient,
        log: RealtimeConversationLog,
        *,
        spawn: Callable[[Coroutine[Any, Any, Any]], asyncio.Task[Any]],
        respond: Callable[[], Awaitable[None]],
        report: Callable[[VoiceError], None],
        changed: asyncio.Event | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._registry = registry
        self._metadata = dict(metadata or {})
        self._client = client
        self._log = log
        self._spawn = spawn
        self._respond = respond
        self._report = report
        self._changed = changed
        self._running: dict[str, list[tuple[ToolContext, asyncio.Task[ToolResult]]]] = {}
        self._actions: list[Frame] = []
        self._held: list[Frame] = []
        self._finishing = 0
        self.results: deque[ToolResult] = deque(maxlen=100)
        """The latest results, in the order they went back to the model."""

    @property
    def busy(self) -> bool:
        """Calls are running or their results are on their way back."""
        return bool(self._running) or self._finishing > 0

    def start(self, call: FunctionCall) -> None:
        """The model finished a call's arguments: run it."""
        self._log.tool_call(call.call_id, call.name, call.arguments)
        ctx = ToolContext(call=ToolCall(0, call.call_id, call.name, call.arguments), metadata=self._metadata)
        task = self._spawn(self._registry.run(ctx))
        self._running.setdefault(call.response_id, []).append((ctx, task))

    def response_done(self, response_id: str, *, respond: bool) -> None:
        """The response that made calls ended: send their results (then maybe reply)."""
        tasks = self._running.pop(response_id, None)
        if tasks:
            self._finishing += 1
            self._spawn(self._finish(tasks, respond))

    async def _finish(self, tasks: list[tuple[ToolContext, asyncio.Task[ToolResult]]], respond: bool) -> None:
        try:
            for ctx, task in tasks:
                result = await task
                self._held += ctx.actions
                self.results.append(result)
                self._log.tool_output(result.call_id, result.content)
                await self._client.send(create_item(function_output_item(result.call_id, result.content)))
                if result.error:
                    self._report(
                        VoiceError(ErrorCode(result.error), f"tool {result.name!r}: {result.content}")
                    )
            if respond:
                await self._respond()
            else:
                self._actions += self._held
                self._held = []
        finally:
            self._finishing -= 1
            if self._changed is not None:
                self._changed.set()

    def reply_done(self) -> None:
        """A reply ended: call-control frames held for it become due."""
        self._actions += self._held
        self._held = []

    def take_actions(self) -> list[Frame]:
        """Call-control frames due now (emitted after the reply's end marker)."""
        actions, self._actions = self._actions, []
        return actions

    def cancel_all(self) -> None:
        """Forget running calls (their session is gone)."""
        for tasks in self._running.values():
            for _, task in tasks:
                task.cancel()
        self._running.clear()
