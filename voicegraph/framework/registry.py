"""Registry: processor, transport and backend types by name, from entry points or code."""

from __future__ import annotations

import logging
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from collections.abc import Callable

log = logging.getLogger("voicegraph.registry")

GROUPS = ("processors", "transports", "backends")


class Registry:
    """Named factories per kind. Entry points (`voicegraph.<kind>`) load on first lookup.

    Explicit registration wins over an entry point of the same name.
    """

    def __init__(self, *, load_entry_points: bool = True) -> None:
        self._items: dict[str, dict[str, Callable[..., Any]]] = {g: {} for g in GROUPS}
        self._lazy: dict[str, dict[str, Any]] = {g: {} for g in GROUPS}
        self._loaded = not load_entry_points

    def register(self, kind: str, name: str, factory: Callable[..., Any], *, replace: bool = False) -> None:
        """Register `factory` as `name` of `kind` (processors, transports, backends).

        Raises:
            VoiceError: (invalid_config) the name is taken and `replace` is False.
        """
        items = self._group(kind)
        if name in items and items[name] is not factory and not replace:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"{kind} type {name!r} is already registered")
        items[name] = factory

    def get(self, kind: str, name: str) -> Callable[..., Any]:
        """The factory registered as `name`.

        Raises:
            VoiceError: (provider_not_found) no such name; the message lists the known ones.
        """
        self._load()
        items = self._group(kind)
        if name not in items and name in self._lazy[kind]:
            ep = self._lazy[kind].pop(name)
            try:
                items[name] = ep.load()
            except Exception as exc:
                raise VoiceError(
                    ErrorCode.PROVIDER_NOT_FOUND, f"{kind} type {name!r} failed to load: {exc}"
                ) from exc
        if name not in items:
            known = ", ".join(sorted(self.names(kind))) or "none"
            raise VoiceError(ErrorCode.PROVIDER_NOT_FOUND, f"unknown {kind} type {name!r} (known: {known})")
        return items[name]

    def names(self, kind: str) -> list[str]:
        """Every registered or installed name of `kind`."""
        self._load()
        return sorted({*self._group(kind), *self._lazy[kind]})

    def _group(self, kind: str) -> dict[str, Callable[..., Any]]:
        if kind not in self._items:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"unknown registry kind {kind!r}")
        return self._items[kind]

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for kind in GROUPS:
            for ep in entry_points(group=f"voicegraph.{kind}"):
                self._lazy[kind].setdefault(ep.name, ep)


registry = Registry()
"""The process-wide registry used by specs and the CLI."""


def register_processor(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Class decorator: make a processor available to graph specs as `type: name`."""

    def deco(factory: Callable[..., Any]) -> Callable[..., Any]:
        registry.register("processors", name, factory)
        return factory

    return deco
