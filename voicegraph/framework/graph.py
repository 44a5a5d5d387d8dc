"""Graph: processors linked as a chain, parallel branches or a general DAG."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from voicegraph.framework.edge import Overflow
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.processor import Processor

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from voicegraph.framework.formats import AudioFormat
    from voicegraph.framework.negotiation import ConverterFactory


@dataclass(frozen=True, slots=True)
class EdgeConfig:
    """Settings of the edge in front of a node."""

    capacity: int = 8
    """Most frames its data lane holds."""
    overflow: Overflow = Overflow.BLOCK
    """`block` (backpressure) or `drop_oldest` (live audio)."""
    queued: bool | None = None
    """Force a task boundary (True) or fusion (False); None lets the runtime decide."""


class Parallel:
    """Branches that fan out from the previous item of a chain and fan in to the next."""

    def __init__(self, *branches: Processor | Sequence[Processor]) -> None:
        if not branches:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "Parallel needs at least one branch")
        self.branches = [[b] if isinstance(b, Processor) else list(b) for b in branches]


class Graph:
    """A DAG of processors. Build it, then run it with a `Runtime`.

    Args:
        name: graph name, used in logs, metrics and task names.
        input_format: audio format pushed into the head nodes, if any.
    """

    def __init__(self, name: str = "graph", *, input_format: AudioFormat | None = None) -> None:
        self.name = name
        self.input_format = input_format
        self.processors: dict[str, Processor] = {}
        self.edges: dict[str, EdgeConfig] = {}
        self.links: list[tuple[str, str]] = []
        self.input_formats: dict[str, AudioFormat | None] = {}
        self.output_formats: dict[str, AudioFormat | None] = {}
        self.built = False
        self.converter_factory: ConverterFactory | None = None
        """Makes the converters negotiation inserts in this graph (None: the process default)."""

    # -- construction -------------------------------------------------------------------
    def add(self, proc: Processor, *, name: str | None = None, edge: EdgeConfig | None = None) -> str:
        """Add a node; returns its name in the graph.

        A node is named `name`, else the processor's own name. A chosen name (given
        here or to the processor) must be free in the graph. A processor left with its
        default name, its class name, is numbered when that name is taken: the second
        `PassThrough()` becomes `PassThrough_2`, the third `PassThrough_3`.

        Args:
            proc: the processor (one graph per instance).
            name: the node's name (default: `proc.name`).
            edge: the edge in front of the node (default: `EdgeConfig()`).

        Raises:
            VoiceError: (invalid_config) the processor is already in a graph, or a chosen
                name is already taken.
        """
        if proc._graph is not None:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"processor {proc.name!r} is already in a graph")
        base = name or proc.name
        unique, n = base, 2
        if base in self.processors and (name is not None or base != type(proc).__name__):
            msg = f"duplicate node name {base!r} in graph {self.name!r}: give each node its own name"
            raise VoiceError(ErrorCode.INVALID_CONFIG, msg)
        while unique in self.processors:
            unique, n = f"{base}_{n}", n + 1
        proc.name = unique
        proc._graph = self.name
        self.processors[unique] = proc
        self.edges[unique] = edge or EdgeConfig()
        self.built = False
        return unique

    def link(self, src: str | Processor, dst: str | Processor) -> None:
        """Link `src` -> `dst` (names or processors already added)."""
        a, b = self._name(src), self._name(dst)
        if (a, b) in self.links:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"duplicate link {a} -> {b}")
        self.links.append((a, b))
        self.built = False

    def _name(self, item: str | Processor) -> str:
        name = item if isinstance(item, str) else item.name
        if name not in self.processors:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"unknown node {name!r}")
        return name

    @classmethod
    def chain(
        cls,
        *items: Processor | Parallel,
        name: str = "graph",
        input_format: AudioFormat | None = None,
        edge: EdgeConfig | None = None,
        edges: Mapping[str, EdgeConfig] | None = None,
    ) -> Graph:
        """A chain of processors, where a `Parallel` item fans out and back in.

        Args:
            items: processors and `Parallel` groups, in order.
            name: graph name.
            input_format: audio format pushed into the head nodes, if any.
            edge: the edge in front of every node (default: `EdgeConfig()`).
            edges: the edge in front of some nodes, by node name (as `add` names them).

        Raises:
            VoiceError: (invalid_config) a name in `edges` is no node of the chain, or a
                chosen node name is taken twice.
        """
        graph = cls(name, input_format=input_format)
        tails: list[str] = []
        for item in items:
            if isinstance(item, Parallel):
                new_tails = []
                for branch in item.branches:
                    names = [graph.add(p, edge=edge) for p in branch]
                    for t in tails:
                        graph.link(t, names[0])
                    for a, b in itertools.pairwise(names):
                        graph.link(a, b)
                    new_tails.append(names[-1])
                tails = new_tails
            else:
                n = graph.add(item, edge=edge)
                for t in tails:
                    graph.link(t, n)
                tails = [n]
        for node, cfg in (edges or {}).items():
            graph.set_edge(node, cfg)
        return graph

    def set_edge(self, node: str | Processor, edge: EdgeConfig) -> None:
        """Set the edge in front of `node` (before the graph runs).

        Raises:
            VoiceError: (invalid_config) no such node.
        """
        self.edges[self._name(node)] = edge

    def insert_before(self, src: str | None, dst: str, proc: Processor, name: str) -> str:
        """Put `proc` on the link src->dst (or in front of head `dst` when src is None)."""
        mid = self.add(proc, name=name)
        if src is not None:
            self.links.remove((src, dst))
            self.links.append((src, mid))
        self.links.append((mid, dst))
        return mid

    # -- queries --------------------------------------------------------------------------
    def upstream(self, name: str) -> list[str]:
        """Names of the nodes linked into `name`."""
        return [a for a, b in self.links if b == name]

    def downstream(self, name: str) -> list[str]:
        """Names of the nodes `name` links to."""
        return [b for a, b in self.links if a == name]

    def heads(self) -> list[str]:
        """Nodes with no upstream: where pushed frames enter."""
        return [n for n in self.processors if not self.upstream(n)]

    def sinks(self) -> list[str]:
        """Nodes with no downstream: where frames leave."""
        return [n for n in self.processors if not self.downstream(n)]

    def topo_order(self) -> list[str]:
        """Nodes in topological order (Kahn, stable by insertion).

        Raises:
            VoiceError: (invalid_config) the links form a cycle.
        """
        indeg = dict.fromkeys(self.processors, 0)
        for _, b in self.links:
            indeg[b] += 1
        ready = [n for n in self.processors if indeg[n] == 0]
        order: list[str] = []
        while ready:
            n = ready.pop(0)
            order.append(n)
            for b in self.downstream(n):
                indeg[b] -= 1
                if indeg[b] == 0:
                    ready.append(b)
        if len(order) != len(self.processors):
            cyclic = sorted(n for n, d in indeg.items() if d > 0)
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"graph {self.name!r} has a cycle through {cyclic}")
        return order

    def paths(self) -> list[list[str]]:
        """Every head-to-sink path."""
        out: list[list[str]] = []

        def walk(path: list[str]) -> None:
            nxt = self.downstream(path[-1])
            if not nxt:
                out.append(path)
            for b in nxt:
                walk([*path, b])

        for h in self.heads():
            walk([h])
        return out

    def latency_budget(self) -> list[tuple[list[str], float]]:
        """Declared latency summed along every path, highest first."""
        sums = [(p, sum(self.processors[n].latency.ms for n in p)) for p in self.paths()]
        return sorted(sums, key=lambda item: -item[1])

    def check_latency_budget(self, budget_ms: float) -> None:
        """Fail if any path declares more latency than `budget_ms`.

        Raises:
            VoiceError: (invalid_config) a path is over budget.
        """
        for path, total in self.latency_budget():
            if total > budget_ms:
                raise VoiceError(
                    ErrorCode.INVALID_CONFIG,
                    f"path {' -> '.join(path)} declares {total:.1f} ms, over the {budget_ms:.1f} ms budget",
                )

    # -- build ----------------------------------------------------------------------------
    def build(self) -> Graph:
        """Validate the DAG and negotiate audio formats (inserting converters).

        Raises:
            VoiceError: (invalid_config) empty graph or cycle.
            NotNegotiatedError: (not_negotiated) no format two linked nodes can agree on.
        """
        from voicegraph.framework.negotiation import negotiate

        if not self.processors:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"graph {self.name!r} has no nodes")
        self.topo_order()
        negotiate(self)
        self.built = True
        return self
