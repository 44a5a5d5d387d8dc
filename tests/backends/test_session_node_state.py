"""NodeStateful: a scripted agent's script position is saved and restored into a new graph."""

from __future__ import annotations

import pytest

from voicegraph.backends.session_node_state import NodeStateful, node_states, restore_node_states
from voicegraph.framework import Graph
from voicegraph.processors.agent.echo_agent import EchoAgent
from voicegraph.processors.agent.scripted_agent import ScriptedAgent

pytestmark = pytest.mark.anyio

SCRIPT = ("one", "two", "three")


def _graph() -> Graph:
    return Graph.chain(EchoAgent(name="echo"), ScriptedAgent(script=SCRIPT, name="agent"), name="g")


def test_a_scripted_agent_is_node_stateful_and_an_echo_agent_is_not() -> None:
    graph = _graph()
    assert isinstance(graph.processors["agent"], NodeStateful)
    assert not isinstance(graph.processors["echo"], NodeStateful)


def test_the_script_position_moves_with_each_reply_and_is_snapshotted() -> None:
    graph = _graph()
    agent = graph.processors["agent"]
    assert isinstance(agent, ScriptedAgent)
    agent.replies.reply([{"role": "user", "content": "hi"}])
    assert node_states(graph) == {"agent": {"script_position": 1}}


def test_a_new_graph_restored_from_the_snapshot_says_the_next_line() -> None:
    first = _graph()
    agent = first.processors["agent"]
    assert isinstance(agent, ScriptedAgent)
    agent.replies.reply([])
    agent.replies.reply([])
    second = _graph()
    assert restore_node_states(second, node_states(first)) == 1
    again = second.processors["agent"]
    assert isinstance(again, ScriptedAgent)
    assert again.replies.reply([]) == "three"


def test_state_for_a_node_the_graph_lacks_or_a_bad_value_is_ignored() -> None:
    graph = _graph()
    assert (
        restore_node_states(graph, {"gone": {"script_position": 2}, "agent": {"script_position": "x"}}) == 1
    )
    agent = graph.processors["agent"]
    assert isinstance(agent, ScriptedAgent)
    assert agent.replies.position == 0
