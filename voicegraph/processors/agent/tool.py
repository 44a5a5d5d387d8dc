"""Tool: a typed Python function the model may call, with its JSON schema from the type hints."""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import typing
from typing import Any, overload

import pydantic

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.agent.tool_context import ToolContext

if typing.TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

_ARG_LINE = re.compile(r"^\s{2,}(\w+)(?:\s*\([^)]*\))?:\s*(.+)$")


class Tool:
    """A function exposed to the model: name, description, parameter schema, and a runner.

    The schema comes from the type hints (any type pydantic understands, defaults make
    a parameter optional); descriptions from the docstring's first paragraph and its
    Google-style `Args:` section. A function taking one pydantic model gets that
    model's schema. A parameter annotated `ToolContext` is filled in by the agent and
    left out of the schema. Arguments are validated before the call; sync functions
    run in a worker thread, off the event loop.

    Raises:
        VoiceError: (invalid_config) a parameter has no type hint, or a hint pydantic
            cannot turn into a schema.
    """

    def __init__(
        self, fn: Callable[..., Any], *, name: str | None = None, description: str | None = None
    ) -> None:
        self.fn = fn
        self.name = name or fn.__name__
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", self.name):
            raise VoiceError(
                ErrorCode.INVALID_CONFIG, f"tool name {self.name!r} must match [A-Za-z0-9_-]{{1,64}}"
            )
        doc = inspect.getdoc(fn) or ""
        self.description = description if description is not None else doc.split("\n\n")[0].strip()
        self._context_param: str | None = None
        self._model_param: str | None = None
        self.model = self._build_model(fn, _arg_docs(doc))
        schema = self.model.model_json_schema()
        schema.pop("title", None)
        self.parameters: dict[str, Any] = schema

    def _build_model(self, fn: Callable[..., Any], docs: dict[str, str]) -> type[pydantic.BaseModel]:
        try:
            hints = typing.get_type_hints(fn)
        except Exception as exc:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"tool {self.name}: bad type hints: {exc}") from exc
        fields: dict[str, Any] = {}
        for p in inspect.signature(fn).parameters.values():
            hint = hints.get(p.name, inspect.Parameter.empty)
            if hint is ToolContext:
                self._context_param = p.name
                continue
            if hint is inspect.Parameter.empty:
                raise VoiceError(
                    ErrorCode.INVALID_CONFIG, f"tool {self.name}: parameter {p.name!r} needs a type hint"
                )
            default = ... if p.default is inspect.Parameter.empty else p.default
            fields[p.name] = (hint, pydantic.Field(default, description=docs.get(p.name)))
        only = list(fields)
        if (
            len(only) == 1
            and inspect.isclass(fields[only[0]][0])
            and issubclass(fields[only[0]][0], pydantic.BaseModel)
        ):
            self._model_param = only[0]
            model: type[pydantic.BaseModel] = fields[only[0]][0]
            return model
        try:
            built: type[pydantic.BaseModel] = pydantic.create_model(f"{self.name}_args", **fields)
            built.model_json_schema()
        except (pydantic.PydanticSchemaGenerationError, TypeError) as exc:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"tool {self.name}: {exc}") from exc
        return built

    def schema(self) -> dict[str, Any]:
        """The OpenAI `tools` entry: `{"type": "function", "function": {...}}`."""
        function = {"name": self.name, "description": self.description, "parameters": self.parameters}
        return {"type": "function", "function": function}

    def bind(self, arguments: dict[str, Any], context: ToolContext) -> Callable[[], Awaitable[Any]]:
        """Validate `arguments`; return a coroutine function that runs the tool.

        Raises:
            pydantic.ValidationError: the arguments do not fit the schema.
        """
        validated = self.model.model_validate(arguments)
        if self._model_param is not None:
            kwargs: dict[str, Any] = {self._model_param: validated}
        else:
            kwargs = {k: getattr(validated, k) for k in type(validated).model_fields}
        if self._context_param is not None:
            kwargs[self._context_param] = context
        fn = self.fn

        async def run() -> Any:
            if inspect.iscoroutinefunction(fn):
                return await fn(**kwargs)
            return await asyncio.to_thread(fn, **kwargs)

        return run

    def __repr__(self) -> str:
        return f"<Tool {self.name}>"


def render_result(value: Any) -> str:
    """A tool's return value as the `tool` message content (text as is, the rest as JSON)."""
    if isinstance(value, str):
        return value
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump_json()
    return json.dumps(value, ensure_ascii=False, default=str)


def _arg_docs(doc: str) -> dict[str, str]:
    """Parameter descriptions from a Google-style `Args:` section."""
    out: dict[str, str] = {}
    in_args = False
    for line in doc.splitlines():
        if line.strip() in ("Args:", "Arguments:", "Parameters:"):
            in_args = True
            continue
        if in_args:
            if line and not line.startswith(" "):
                break
            m = _ARG_LINE.match(line)
            if m:
                out[m.group(1)] = m.group(2).strip()
    return out


@overload
def tool(fn: Callable[..., Any], /) -> Tool: ...
@overload
def tool(
    *, name: str | None = None, description: str | None = None
) -> Callable[[Callable[..., Any]], Tool]: ...
def tool(
    fn: Callable[..., Any] | None = None, /, *, name: str | None = None, description: str | None = None
) -> Tool | Callable[[Callable[..., Any]], Tool]:
    """Decorator: `@tool` or `@tool(name=..., description=...)` makes a `Tool` of a function."""
    if fn is not None:
        return Tool(fn)

    def wrap(f: Callable[..., Any]) -> Tool:
        return Tool(f, name=name, description=description)

    return wrap
