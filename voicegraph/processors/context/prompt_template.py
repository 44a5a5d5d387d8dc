"""PromptTemplate: a system prompt with `{variables}` rendered per session."""

from __future__ import annotations

import string
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from collections.abc import Mapping

_FORMATTER = string.Formatter()


class PromptTemplate:
    """A prompt written with `str.format` fields: `"You are talking to {caller_name}."`.

    `{{` and `}}` stand for literal braces. Fields are plain names (`{caller_name}`);
    attribute or index access is refused so a template cannot reach into objects.
    I/O-free.

    Raises:
        VoiceError: (invalid_config) the template is malformed or a field is not a name.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        try:
            parsed = list(_FORMATTER.parse(text))
        except ValueError as exc:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"bad prompt template: {exc}") from exc
        names: list[str] = []
        for _, field, _, _ in parsed:
            if field is None:
                continue
            if not field.isidentifier():
                msg = f"prompt template field {{{field}}} must be a plain variable name"
                raise VoiceError(ErrorCode.INVALID_CONFIG, msg)
            if field not in names:
                names.append(field)
        self.variables: tuple[str, ...] = tuple(names)
        """The variable names the template uses, in order of first use."""

    def missing(self, values: Mapping[str, Any]) -> list[str]:
        """The variables the template needs that `values` lacks."""
        return [n for n in self.variables if n not in values]

    def render(self, values: Mapping[str, Any]) -> str:
        """The prompt with every field replaced by `str(values[name])`.

        Raises:
            VoiceError: (invalid_config) a variable is missing; the message names each one.
        """
        missing = self.missing(values)
        if missing:
            names = ", ".join(repr(n) for n in missing)
            raise VoiceError(
                ErrorCode.INVALID_CONFIG,
                f"prompt variable {names} is not set (set it in the session's variables)",
                details=tuple(f"missing prompt variable: {n}" for n in missing),
            )
        return self.text.format_map({n: values[n] for n in self.variables})

    def __repr__(self) -> str:
        return f"PromptTemplate({self.text!r})"
