"""Tools for a realtime model: the agent layer's `ToolRegistry`, described in the realtime shape."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.agent.tool import Tool
from voicegraph.processors.agent.tool_registry import ToolLike, ToolRegistry

ToolsLike = ToolRegistry | Mapping[str, Callable[..., Any]] | Iterable[ToolLike] | None
"""A registry, a mapping `name -> function`, or functions / `Tool`s / import strings."""


def tool_registry(tools: ToolsLike, *, timeout_s: float = 10.0) -> ToolRegistry:
    """The agent layer's `ToolRegistry` for `tools` (a registry is used as it is).

    Raises:
        VoiceError: (invalid_config) a tool without type hints, a duplicate name, a bad import.
    """
    if isinstance(tools, ToolRegistry):
        return tools
    if isinstance(tools, Mapping):
        return ToolRegistry([Tool(fn, name=name) for name, fn in tools.items()], timeout_s=timeout_s)
    return ToolRegistry(tools or (), timeout_s=timeout_s)


def realtime_tool_specs(
    registry: ToolRegistry, extra: Iterable[Mapping[str, Any]] = ()
) -> tuple[dict[str, Any], ...]:
    """`session.tools` entries: the registry's, then `extra` (which win by name)."""
    specs = {s["name"]: s for s in (flatten_spec(s) for s in (*registry.schemas(), *extra))}
    return tuple(specs.values())


def flatten_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A realtime function definition (`{"type", "name", "description", "parameters"}`) from a
    realtime one or a chat-completions one (`{"type": "function", "function": {...}}`).

    Raises:
        VoiceError: (invalid_config) no function name.
    """
    inner = spec.get("function")
    body = dict(inner) if isinstance(inner, Mapping) else {k: v for k, v in spec.items() if k != "type"}
    if not isinstance(body.get("name"), str) or not body["name"]:
        raise VoiceError(ErrorCode.INVALID_CONFIG, "a tool definition needs a name")
    body.setdefault("parameters", {"type": "object", "properties": {}})
    return {"type": "function", **body}
