"""Graph factories for backends: one fresh graph per session, from Python or a GraphSpec."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import ValidationError

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.spec import GraphSpec, build_graph, load_spec, params_model

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from voicegraph.framework.graph import Graph
    from voicegraph.framework.processor import Processor
    from voicegraph.framework.registry import Registry


TRANSPORT_TYPES = frozenset({"transport_input", "transport_output"})
"""Node types standing for the session's transport (see `ConnectionRegistry`)."""


def session_registry(conn: Any) -> Registry:
    """The process registry plus `transport_input`/`transport_output` bound to `conn` (a
    placeholder connection when None: enough to check types and params) and the stock
    graphs' types (`resumed_turn_filter`...), as `voicegraph run --spec` resolves them."""
    from voicegraph.graphs.connection_registry import ConnectionRegistry
    from voicegraph.transports.memory_transport import MemoryTransport

    return ConnectionRegistry(conn if conn is not None else MemoryTransport())


class GraphConnection(Protocol):
    """What a graph factory needs of a connection: its head and sink nodes."""

    session_id: str

    def input(self) -> Processor:
        """The head node (client audio and messages in)."""

    def output(self) -> Processor:
        """The sink node (bot audio and events out)."""


def validate_spec(spec: GraphSpec, *, reg: Registry | None = None) -> list[str]:
    """Every mistake in `spec`'s node types and params, without creating any node (so no
    model loads); one line per node and field, empty when the spec is sound."""
    reg = reg or session_registry(None)
    problems: list[str] = []
    for i, node in enumerate(spec.nodes):
        where = f"nodes[{i}] (id={node.id}, type={node.type}): "
        try:
            model = params_model(reg.get("processors", node.type))
            model.model_validate(node.params)
        except VoiceError as exc:
            problems.append(where + exc.message)
        except ValidationError as exc:
            for e in exc.errors():
                loc = ".".join(str(p) for p in e["loc"])
                problems.append(f"{where}params.{loc}: {e['msg']}")
    return problems


def with_node_params(spec: GraphSpec, overrides: dict[str, dict[str, Any]]) -> GraphSpec:
    """A copy of `spec` whose nodes' params are updated from `overrides` (by node id).

    Raises:
        VoiceError: (invalid_config) an override names a node the spec does not have.
    """
    ids = {n.id for n in spec.nodes}
    unknown = sorted(set(overrides) - ids)
    if unknown:
        raise VoiceError(
            ErrorCode.INVALID_CONFIG,
            "node params for unknown nodes",
            details=tuple(f"nodes.{u}" for u in unknown),
        )
    data = spec.model_dump()
    for node in data["nodes"]:
        node["params"] = {**node["params"], **copy.deepcopy(overrides.get(node["id"], {}))}
    return GraphSpec.model_validate(data)


class SpecGraphFactory:
    """Builds a session's graph from a `GraphSpec`: the connection's input, the spec's
    nodes (fresh instances per session, so sessions share nothing), the connection's output.

    The spec's heads are fed by `conn.input()` and its sinks feed `conn.output()`. The
    spec is checked once here (types and params, no node created), so a bad spec fails
    at configuration time with every mistake named.

    Args:
        spec: a `GraphSpec`, a dict, YAML text or a YAML file path.
        node_params: per-node param overrides (by node id).

    Raises:
        VoiceError: (invalid_config) the spec or the overrides have mistakes.
    """

    def __init__(
        self,
        spec: GraphSpec | str | Path | dict[str, Any],
        *,
        node_params: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        parsed = spec if isinstance(spec, GraphSpec) else load_spec(spec)
        if node_params:
            parsed = with_node_params(parsed, node_params)
        problems = validate_spec(parsed)
        if problems:
            raise VoiceError(
                ErrorCode.INVALID_CONFIG, f"graph spec {parsed.name!r} has errors", details=tuple(problems)
            )
        self.spec = parsed

    def __call__(self, conn: GraphConnection) -> Graph:
        types = {n.type for n in self.spec.nodes}
        if types & TRANSPORT_TYPES:  # the spec places the transport itself (voice_agent.yaml)
            from voicegraph.processors.audio import create_converter

            return build_graph(self.spec, reg=session_registry(conn), converter_factory=create_converter)
        graph = build_graph(self.spec, reg=session_registry(conn))
        heads, sinks = graph.heads(), graph.sinks()
        src = graph.add(conn.input(), name="input")
        dst = graph.add(conn.output(), name="output")
        for h in heads:
            graph.link(src, h)
        for s in sinks:
            graph.link(s, dst)
        return graph


def graph_factory(
    source: Callable[[Any], Graph] | GraphSpec | str | Path | dict[str, Any],
) -> Callable[[Any], Graph]:
    """A per-session graph factory from a callable (kept as is) or any spec form."""
    if callable(source) and not isinstance(source, GraphSpec):
        return source
    return SpecGraphFactory(source)
