"""ToolRunner: runs the functions a realtime model calls, and describes them to the model."""

from __future__ import annotations

import asyncio
import inspect
import json
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.agent.tool_result import ToolResult

ToolFunction = Callable[..., Awaitable[Any]]
"""`async def tool(**arguments) -> result`; a str result is sent as is, others as JSON."""

_JSON_TYPES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}


class ToolRunner:
    """Calls tools by name with the model's JSON arguments; never raises for a bad call.

    Handles a mapping `name -> async callable`. Tool definitions for the session are the
    given `specs` (realtime shape, or chat-completions shape, which is flattened), else
    derived from each callable's signature and docstring. A call that is unknown, has
    arguments that are not a JSON object, raises, or outlasts `timeout_s` returns an
    error result (`{"error": ...}` for the model, `ToolResult.error` = an `ErrorCode`).

    Args:
        tools: the callables, by the name the model uses.
        specs: explicit function definitions (override the derived ones by name).
        timeout_s: deadline per call.
    """

    def __init__(
        self,
        tools: Mapping[str, ToolFunction] | None = None,
        *,
        specs: Sequence[Mapping[str, Any]] = (),
        timeout_s: float = 10.0,
    ) -> None:
        self._tools: dict[str, ToolFunction] = dict(tools or {})
        for name, fn in self._tools.items():
            if not callable(fn):
                raise VoiceError(ErrorCode.INVALID_CONFIG, f"tool {name!r} is not callable")
        self.timeout_s = timeout_s
        explicit = {s["name"]: s for s in (flatten_spec(s) for s in specs)}
        derived = {n: spec_from_callable(n, fn) for n, fn in self._tools.items() if n not in explicit}
        self._specs = {**derived, **explicit}

    def __bool__(self) -> bool:
        return bool(self._tools)

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the tools that can run."""
        return tuple(self._tools)

    def specs(self) -> tuple[dict[str, Any], ...]:
        """Function definitions for `session.tools`."""
        return tuple(self._specs.values())

    async def run(self, call_id: str, name: str, arguments: str) -> ToolResult:
        """Run one call; the result carries the output for the model either way."""
        t0 = time.perf_counter()
        fn = self._tools.get(name)
        if fn is None:
            return _failed(call_id, name, ErrorCode.INVALID_INPUT, f"unknown tool {name!r}", t0)
        try:
            args = json.loads(arguments or "{}")
        except ValueError:
            args = None
        if not isinstance(args, dict):
            return _failed(call_id, name, ErrorCode.INVALID_INPUT, "arguments are not a JSON object", t0)
        try:
            async with asyncio.timeout(self.timeout_s):
                value = await fn(**args)
        except TimeoutError:
            return _failed(call_id, name, ErrorCode.TIMEOUT, f"tool {name!r} timed out", t0)
        except Exception as exc:
            return _failed(call_id, name, ErrorCode.AGENT_ERROR, f"tool {name!r} failed: {exc}", t0)
        content = value if isinstance(value, str) else json.dumps(value, default=str)
        return ToolResult(call_id, name, content, elapsed_ms=(time.perf_counter() - t0) * 1000)


def _failed(call_id: str, name: str, code: ErrorCode, message: str, t0: float) -> ToolResult:
    content = json.dumps({"error": message})
    return ToolResult(call_id, name, content, error=code.value, elapsed_ms=(time.perf_counter() - t0) * 1000)


def flatten_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A realtime function definition from a realtime or chat-completions one.

    Raises:
        VoiceError: (invalid_config) no function name.
    """
    inner = spec.get("function")
    body = dict(inner) if isinstance(inner, Mapping) else {k: v for k, v in spec.items() if k != "type"}
    if not isinstance(body.get("name"), str) or not body["name"]:
        raise VoiceError(ErrorCode.INVALID_CONFIG, "a tool definition needs a name")
    body.setdefault("parameters", {"type": "object", "properties": {}})
    return {"type": "function", **body}


def spec_from_callable(name: str, fn: ToolFunction) -> dict[str, Any]:
    """A function definition from a callable's keyword parameters and docstring."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for param in inspect.signature(fn).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        ann = param.annotation
        ann_name = ann if isinstance(ann, str) else getattr(ann, "__name__", "")
        properties[param.name] = {"type": _JSON_TYPES.get(ann_name, "string")}
        if param.default is param.empty:
            required.append(param.name)
    doc = inspect.getdoc(fn) or ""
    return {
        "type": "function",
        "name": name,
        "description": doc.split("\n\n")[0].replace("\n", " "),
        "parameters": {"type": "object", "properties": properties, "required": required},
    }
