"""ConnectionRegistry: the process registry plus one session's transport nodes, for graph specs."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, create_model

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.registry import Registry, registry
from voicegraph.transports.playout_options import PlayoutOptions

if TYPE_CHECKING:
    from collections.abc import Callable

    from voicegraph.framework.processor import Processor
    from voicegraph.transports.connection import Connection

TRANSPORT_INPUT = "transport_input"
TRANSPORT_OUTPUT = "transport_output"

_FALLBACKS: dict[str, tuple[str, str]] = {
    "user_aggregator": ("voicegraph.processors.context.user_aggregator", "UserAggregator"),
    "assistant_aggregator": ("voicegraph.processors.context.assistant_aggregator", "AssistantAggregator"),
    "resumed_turn_filter": ("voicegraph.processors.turn.resumed_turn_filter", "ResumedTurnFilter"),
    "reply_gate": ("voicegraph.processors.context.reply_gate", "ReplyGate"),
}
"""Types the stock graphs need that may not be installed as entry points yet."""


class ConnectionRegistry(Registry):
    """Resolves `transport_input` / `transport_output` to one connection's nodes.

    Every other name is looked up in `base` (the process registry by default), so a
    spec can place the session's transport like any other node. One instance per
    session: the connection's `input()`/`output()` nodes belong to one graph.

    Args:
        conn: the session's connection (MemoryTransport, a WebSocket client...).
        base: where every other type is found.
    """

    def __init__(self, conn: Connection, *, base: Registry | None = None) -> None:
        super().__init__(load_entry_points=False)
        self._base = base or registry
        self.register("processors", TRANSPORT_INPUT, _input_factory(conn))
        self.register("processors", TRANSPORT_OUTPUT, _output_factory(conn))

    def get(self, kind: str, name: str) -> Callable[..., Any]:
        """The transport node factories by their placeholder names, else the base's type.

        Raises:
            VoiceError: (provider_not_found) unknown name.
        """
        if kind == "processors" and name in (TRANSPORT_INPUT, TRANSPORT_OUTPUT):
            return super().get(kind, name)
        try:
            return self._base.get(kind, name)
        except VoiceError as exc:
            if kind != "processors" or name not in _FALLBACKS or exc.code is not ErrorCode.PROVIDER_NOT_FOUND:
                raise
            import importlib

            module, attr = _FALLBACKS[name]
            factory: Callable[..., Any] = getattr(importlib.import_module(module), attr)
            return factory

    def names(self, kind: str) -> list[str]:
        """The base's names plus the transport placeholders."""
        extra = [TRANSPORT_INPUT, TRANSPORT_OUTPUT] if kind == "processors" else []
        return sorted({*self._base.names(kind), *extra})


def _input_factory(conn: Connection) -> Callable[..., Processor]:
    def transport_input(*, name: str | None = None) -> Processor:
        return conn.input(name=name)

    return transport_input


_PLAYOUT_FIELDS: dict[str, Any] = {k: (float, v) for k, v in dataclasses.asdict(PlayoutOptions()).items()}
_PLAYOUT_PARAMS: type[BaseModel] = create_model(
    "transport_outputParams",
    __config__=ConfigDict(extra="forbid"),
    **_PLAYOUT_FIELDS,
)
"""A spec's `transport_output` params: the `PlayoutOptions` fields, flat."""


class _TransportOutput:
    """`transport_output` for one connection: its output node, paced by the spec's params."""

    Params = _PLAYOUT_PARAMS

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def __call__(self, *, name: str | None = None, **playout: float) -> Processor:
        return self._conn.output(playout=PlayoutOptions(**playout), name=name)


def _output_factory(conn: Connection) -> Callable[..., Processor]:
    return _TransportOutput(conn)
