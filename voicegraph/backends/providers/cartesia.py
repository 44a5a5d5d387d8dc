"""The `cartesia` preset: the stock voice agent with Cartesia Ink (STT) and Sonic (TTS).

Any transport serves it. A config names its spec file (node params can then be
overridden under `nodes:`), or this module's factory:

    backend: {provider: websocket, options: {port: 8765}}
    graph: voice_agent_cartesia.yaml      # beside voicegraph/backends/serve_*.yaml
    nodes: {tts: {voice_id: ..., sample_rate: 16000}}

    graph: voicegraph.backends.providers.cartesia:build_cartesia_voice_agent

The key comes from `CARTESIA_API_KEY`; `CARTESIA_BASE_URL` points both nodes elsewhere
(a proxy, or the fake in tests). Everything but the `stt` and `tts` nodes is the stock
spec (`voicegraph/graphs/voice_agent.yaml`): VAD, turn detector, context, local LLM.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicegraph.framework.registry import Registry, registry

if TYPE_CHECKING:
    from collections.abc import Mapping

    from voicegraph.framework.graph import Graph
    from voicegraph.framework.spec import GraphSpec
    from voicegraph.graphs.voice_agent import VoiceAgentOptions
    from voicegraph.transports.connection import Connection

SPEC_FILE = Path(__file__).resolve().parents[1] / "voice_agent_cartesia.yaml"
"""The preset as a spec file (what `cartesia_voice_agent_spec()` gives; a test keeps them equal)."""

PROCESSORS = {
    "cartesia_tts": "voicegraph.processors.tts.cartesia_tts:CartesiaTTS",
    "cartesia_stt": "voicegraph.processors.stt.cartesia_stt:CartesiaSTT",
}
"""The Cartesia node types (also entry points in pyproject.toml)."""


def register_cartesia(reg: Registry | None = None) -> None:
    """Register `cartesia_tts` and `cartesia_stt` (idempotent; for installs whose entry
    points predate them)."""
    import importlib

    reg = reg or registry
    known = set(reg.names("processors"))
    for name, path in PROCESSORS.items():
        if name not in known:
            module, _, attr = path.partition(":")
            reg.register("processors", name, getattr(importlib.import_module(module), attr))


def cartesia_voice_agent_spec(
    options: VoiceAgentOptions | None = None,
    *,
    stt_params: Mapping[str, Any] | None = None,
    tts_params: Mapping[str, Any] | None = None,
) -> GraphSpec:
    """The stock voice agent spec (with `options`) whose `stt` and `tts` nodes are Cartesia's.

    Raises:
        VoiceError: (invalid_config) bad options (see `voice_agent_spec`).
    """
    from voicegraph.framework.spec import GraphSpec
    from voicegraph.graphs.voice_agent import voice_agent_spec

    data = voice_agent_spec(options).model_dump()
    data["name"] = "voice-agent-cartesia"
    for node in data["nodes"]:
        if node["id"] == "stt":
            node["type"], node["params"] = "cartesia_stt", dict(stt_params or {})
        elif node["id"] == "tts":
            node["type"], node["params"] = "cartesia_tts", dict(tts_params or {})
    return GraphSpec.model_validate(data)


def build_cartesia_voice_agent(conn: Connection) -> Graph:
    """One session's graph: the stock voice agent on Cartesia STT and TTS (a graph factory).

    Raises:
        VoiceError: (invalid_config) `CARTESIA_API_KEY` is not set.
    """
    from voicegraph.graphs.voice_agent import build_voice_agent

    register_cartesia()
    return build_voice_agent(conn, spec=cartesia_voice_agent_spec())


__all__ = [
    "PROCESSORS",
    "SPEC_FILE",
    "build_cartesia_voice_agent",
    "cartesia_voice_agent_spec",
    "register_cartesia",
]
