"""Custom processors at named positions of a session graph (before STT, after TTS, around S2S)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from voicegraph.framework.graph import Graph
    from voicegraph.framework.processor import Processor

POSITIONS = (
    "after_input", "before_stt", "after_stt", "before_tts", "after_tts",
    "before_s2s", "after_s2s", "before_output",
)  # fmt: skip
"""Where a custom processor may go. `before_X` sits on every link into the node of role X,
`after_X` on every link out of it; `after_input` follows the graph's head(s) and
`before_output` precedes its sink(s)."""


def node_role(proc: Processor) -> str:
    """A node's role (`stt`, `tts`, `s2s`, `vad`, `agent`...): its `role` attribute, else
    the `voicegraph.processors.<role>` package it comes from, else ""."""
    role = getattr(proc, "role", None)
    if isinstance(role, str):
        return role
    parts = type(proc).__module__.split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["voicegraph", "processors"] else ""


@dataclass(frozen=True, slots=True)
class ProcessorSlot:
    """One custom processor: where it goes, in which order, and how to make a fresh one.

    `create` runs once per session (processors hold state, so sessions never share one).
    Within a position, lower `order` runs first (nearer the input).
    """

    position: str
    create: Callable[[], Processor]
    order: int = 0

    def __post_init__(self) -> None:
        if self.position not in POSITIONS:
            raise VoiceError(
                ErrorCode.INVALID_CONFIG, f"unknown processor position {self.position!r} (known: {POSITIONS})"
            )


def _targets(graph: Graph, position: str) -> tuple[str, list[str]]:
    where, _, role = position.partition("_")
    if role == "input":
        return "after", graph.heads()
    if role == "output":
        return "before", graph.sinks()
    nodes = [n for n, p in graph.processors.items() if n == role or node_role(p) == role]
    if not nodes:
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"graph {graph.name!r} has no {role} node for {position}")
    return where, nodes


def _insert_chain(graph: Graph, side: str, node: str, chain: list[Processor], prefix: str) -> None:
    names = [graph.add(p, name=_free_name(graph, f"{prefix}_{p.name}")) for p in chain]
    for a, b in itertools.pairwise(names):
        graph.link(a, b)
    if side == "after":
        outs = graph.downstream(node)
        for d in outs:
            graph.links.remove((node, d))
            graph.link(names[-1], d)
        graph.link(node, names[0])
    else:
        ins = graph.upstream(node)
        for u in ins:
            graph.links.remove((u, node))
            graph.link(u, names[0])
        graph.link(names[-1], node)
    graph.built = False


def insert_processors(graph: Graph, slots: Sequence[ProcessorSlot]) -> Graph:
    """Put fresh instances of `slots`' processors at their positions in `graph` (in place).

    Raises:
        VoiceError: (invalid_config) the graph has no node for a position.
    """
    for position in POSITIONS:
        chosen = sorted((s for s in slots if s.position == position), key=lambda s: s.order)
        if not chosen:
            continue
        side, nodes = _targets(graph, position)
        for node in nodes:
            prefix = position if len(nodes) == 1 else f"{position}_{node}"
            _insert_chain(graph, side, node, [s.create() for s in chosen], prefix)
    return graph


def _free_name(graph: Graph, name: str) -> str:
    """`name`, numbered when the graph has it already (two slots of one type at a position)."""
    k, free = 1, name
    while free in graph.processors:
        k += 1
        free = f"{name}_{k}"
    return free


def with_processors(
    factory: Callable[[Any], Graph], slots: Sequence[ProcessorSlot]
) -> Callable[[Any], Graph]:
    """A graph factory that builds with `factory`, then inserts `slots` (see `insert_processors`)."""
    if not slots:
        return factory
    fixed = list(slots)

    def build(conn: Any) -> Graph:
        return insert_processors(factory(conn), fixed)

    return build


def spec_slot(
    position: str, type_name: str, params: dict[str, Any] | None = None, order: int = 0
) -> ProcessorSlot:
    """A slot whose processor comes from the registry (`type_name` with `params`), as in specs.

    Raises:
        VoiceError: (invalid_config / provider_not_found) bad params or unknown type.
    """
    from pydantic import ValidationError

    from voicegraph.framework.registry import registry
    from voicegraph.framework.spec import params_model

    factory = registry.get("processors", type_name)
    try:
        checked = dict(params_model(factory).model_validate(params or {}))
    except ValidationError as exc:
        details = tuple(
            f"{position}.{type_name}.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
        )
        raise VoiceError(ErrorCode.INVALID_CONFIG, "bad processor params", details=details) from exc
    return ProcessorSlot(position, lambda: factory(**checked), order)
