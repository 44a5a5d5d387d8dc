"""NodeStateful: a node whose own state (beyond the conversation) is saved with its session and
restored when the session resumes after a restart; `node_states` / `restore_node_states` do it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from voicegraph.framework.graph import Graph

JSONScalar = str | int | float | bool | None
"""A value a node state may hold (it is written to the session store as JSON)."""

log = logging.getLogger("voicegraph.sessions")


@runtime_checkable
class NodeStateful(Protocol):
    """A node with state that must survive a crash of its process, e.g. a scripted agent's
    position in its script (else it would start over and repeat itself).

    `snapshot_state()` is called on the event loop at every save of the session record
    (user words final, a reply started, words played, turn end, heartbeat): keep it cheap
    and synchronous. `restore_state(state)` is called on a new instance of the node before
    its graph starts, when a session resumes.
    """

    def snapshot_state(self) -> Mapping[str, JSONScalar]:
        """The node's state now, as flat JSON values."""
        ...

    def restore_state(self, state: Mapping[str, object]) -> None:
        """Continue from `state` (as `snapshot_state` gave it; ignore what is not understood)."""
        ...


def node_states(graph: Graph) -> dict[str, dict[str, JSONScalar]]:
    """Every `NodeStateful` node's state, by node name."""
    return {
        name: dict(proc.snapshot_state())
        for name, proc in graph.processors.items()
        if isinstance(proc, NodeStateful)
    }


def restore_node_states(graph: Graph, states: Mapping[str, object]) -> int:
    """Give the graph's `NodeStateful` nodes their saved state; returns how many took one.

    A saved node the graph no longer has (the config changed) is skipped with a log line.
    """
    restored = 0
    for name, state in states.items():
        proc = graph.processors.get(name)
        if not isinstance(proc, NodeStateful) or not isinstance(state, Mapping):
            log.info("no node %r to restore its state into", name)
            continue
        proc.restore_state(state)
        restored += 1
    return restored
