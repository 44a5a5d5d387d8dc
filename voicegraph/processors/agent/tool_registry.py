"""ToolRegistry: the tools an agent offers, and running the model's calls with deadlines."""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pydantic

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.agent.tool import Tool, render_result
from voicegraph.processors.agent.tool_context import ToolContext
from voicegraph.processors.agent.tool_result import ToolResult

if TYPE_CHECKING:
    from collections.abc import Iterable

    from voicegraph.framework.frames.base import Frame
    from voicegraph.processors.agent.chat_events import ToolCall

log = logging.getLogger("voicegraph.agent.tools")

ToolLike = Tool | Callable[..., Any] | str


class ToolRegistry:
    """Named tools. `schemas()` goes into the request; `run_all()` runs the model's calls.

    Each call runs under its own deadline (`timeout_s`); parallel calls of one step run
    concurrently. A failure never escapes: unknown tools, arguments that are not valid
    JSON or do not fit the schema, exceptions and timeouts become a `ToolResult` with an
    `error` code and a JSON `{"error": ...}` content the model can read and recover from.

    Args:
        tools: functions, `Tool`s, or `"package.module:attribute"` strings (for graph
            specs) naming a function, a `Tool`, or a list of them.
        timeout_s: deadline per tool call.

    Raises:
        VoiceError: (invalid_config) two tools share a name, or an import string is bad.
    """

    def __init__(self, tools: Iterable[ToolLike] = (), *, timeout_s: float = 10.0) -> None:
        if timeout_s <= 0:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "tool timeout must be positive")
        self.timeout_s = timeout_s
        self._tools: dict[str, Tool] = {}
        for item in tools:
            self.add(item)

    def add(self, item: ToolLike) -> None:
        """Register a function, `Tool`, or import string."""
        if isinstance(item, str):
            for resolved in _import(item):
                self.add(resolved)
            return
        tool = item if isinstance(item, Tool) else Tool(item)
        if tool.name in self._tools:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"two tools are named {tool.name!r}")
        self._tools[tool.name] = tool

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __len__(self) -> int:
        return len(self._tools)

    def schemas(self) -> tuple[dict[str, Any], ...]:
        """The OpenAI `tools` entries, in registration order."""
        return tuple(t.schema() for t in self._tools.values())

    async def run_all(
        self, calls: Iterable[ToolCall], metadata: dict[str, Any] | None = None
    ) -> tuple[list[ToolResult], list[Frame]]:
        """Run calls concurrently; their results (in call order) and requested call-control frames."""
        contexts = [ToolContext(call=c, metadata=dict(metadata or {})) for c in calls]
        results = await asyncio.gather(*(self.run(ctx) for ctx in contexts))
        return list(results), [a for ctx in contexts for a in ctx.actions]

    async def run(self, ctx: ToolContext) -> ToolResult:
        """Run one call; never raises (except cancellation)."""
        call = ctx.call
        t0 = time.perf_counter()

        def fail(code: ErrorCode, message: str) -> ToolResult:
            log.warning("tool %s (%s) failed: [%s] %s", call.name, call.id, code, message)
            content = json.dumps({"error": message})
            return ToolResult(call.id, call.name, content, str(code), (time.perf_counter() - t0) * 1e3)

        tool = self._tools.get(call.name)
        if tool is None:
            return fail(
                ErrorCode.INVALID_INPUT, f"unknown tool {call.name!r}; tools: {', '.join(self._tools)}"
            )
        try:
            runner = tool.bind(call.parsed_arguments(), ctx)
        except VoiceError as exc:
            return fail(ErrorCode.INVALID_INPUT, exc.message)
        except pydantic.ValidationError as exc:
            return fail(ErrorCode.INVALID_INPUT, f"bad arguments: {_brief(exc)}")
        try:
            async with asyncio.timeout(self.timeout_s):
                value = await runner()
        except TimeoutError:
            return fail(ErrorCode.TIMEOUT, f"tool {call.name} timed out after {self.timeout_s:g}s")
        except Exception as exc:
            return fail(ErrorCode.AGENT_ERROR, f"{type(exc).__name__}: {exc}")
        return ToolResult(call.id, call.name, render_result(value), "", (time.perf_counter() - t0) * 1e3)


def round_messages(
    text: str, calls: Iterable[ToolCall], results: Iterable[ToolResult]
) -> list[dict[str, Any]]:
    """The chat messages of one tool round: the assistant's calls, then one `tool` message each."""
    tool_calls = [
        {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments or "{}"}}
        for c in calls
    ]
    out: list[dict[str, Any]] = [{"role": "assistant", "content": text or None, "tool_calls": tool_calls}]
    out += [{"role": "tool", "tool_call_id": r.call_id, "content": r.content} for r in results]
    return out


def _brief(exc: pydantic.ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}" for e in exc.errors())


def _import(spec: str) -> list[ToolLike]:
    module_name, _, attr = spec.partition(":")
    try:
        value = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"cannot import tool {spec!r}: {exc}") from exc
    if isinstance(value, ToolRegistry):
        return list(value._tools.values())
    return list(value) if isinstance(value, list | tuple) else [value]
