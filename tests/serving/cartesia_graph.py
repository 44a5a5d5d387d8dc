"""The `cartesia` preset with a scripted agent (no LLM load): what the cold serving test serves."""

from __future__ import annotations

from typing import Any

from voicegraph.backends.providers.cartesia import cartesia_voice_agent_spec, register_cartesia
from voicegraph.framework.graph import Graph
from voicegraph.graphs.voice_agent import VoiceAgentOptions, build_voice_agent

ANSWER = "The capital of France is Paris."


def build(conn: Any) -> Graph:
    """The preset's graph, its agent swapped for a ScriptedAgent that knows one answer."""
    register_cartesia()
    options = VoiceAgentOptions(agent="scripted", agent_params={"rules": {"capital": ANSWER}})
    return build_voice_agent(conn, spec=cartesia_voice_agent_spec(options))
