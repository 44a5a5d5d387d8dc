"""The graph a conversation test drives: resolving specs, and the text-only cut of a voice graph."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.spec import GraphSpec, load_spec

if TYPE_CHECKING:
    from voicegraph.framework.graph import Graph


AUDIO_TYPES = frozenset({"transport_input", "transport_output", "vad", "rnnoise_filter", "wav_recorder"})
"""Node types that only handle audio (plus every `*_stt`, `*_tts` and `*_turn_detector`)."""
PURE_ASYNC_TYPES = frozenset(
    {
        "resumed_turn_filter", "user_aggregator", "scripted_agent", "echo_agent", "sentence_aggregator",
        "assistant_aggregator", "reply_gate",
    }
)  # fmt: skip
"""Node types with no threads or sockets: a graph of only these runs on the virtual clock."""


def resolve_spec(source: GraphSpec | str | Path | dict[str, Any] | None) -> GraphSpec:
    """A spec from a spec, a YAML path or string, a dict; None: the stock voice agent.

    Raises:
        VoiceError: (invalid_config) a spec that does not validate; (invalid_input) a
            path that does not exist.
    """
    if source is None:
        from voicegraph.graphs.voice_agent import voice_agent_spec

        return voice_agent_spec()
    if isinstance(source, GraphSpec):
        return source
    if isinstance(source, Path) or (isinstance(source, str) and source.endswith((".yaml", ".yml"))):
        if not Path(source).is_file():
            raise VoiceError(ErrorCode.INVALID_INPUT, f"no graph spec at {source}")
    return load_spec(source)


def is_audio_node(node_type: str) -> bool:
    """Whether a node of this type only handles audio (dropped for text conversations)."""
    return node_type in AUDIO_TYPES or node_type.endswith(("_stt", "_tts", "_turn_detector"))


def text_spec(spec: GraphSpec) -> GraphSpec:
    """The spec without its audio nodes, replies committed to the context as generated.

    What remains of the stock graph is `resume_filter -> user_context -> agent ->
    sentences -> assistant_context -> reply_gate`: a typed user turn goes in where the
    STT's transcript would, and the reply comes out as text.

    Raises:
        VoiceError: (invalid_config) a spec with explicit links (only chains can be cut).
    """
    if spec.links is not None:
        raise VoiceError(
            ErrorCode.INVALID_CONFIG, f"graph {spec.name!r} has explicit links: pass a text graph as is"
        )
    out = spec.model_copy(deep=True)
    out.nodes = [n for n in out.nodes if not is_audio_node(n.type)]
    if not out.nodes:
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"graph {spec.name!r} has no text nodes")
    for node in out.nodes:
        if node.type == "assistant_aggregator":
            node.params["commit_on"] = "generated"  # no output transport reports what played
    return GraphSpec.model_validate(out.model_dump())


def runs_on_virtual_clock(spec: GraphSpec) -> bool:
    """Whether every node is pure async (no engine threads, no sockets)."""
    return all(n.type in PURE_ASYNC_TYPES for n in spec.nodes)


def build_text_graph(spec: GraphSpec) -> Graph:
    """Build a text spec (the stock graphs' context types resolve without entry points)."""
    from voicegraph.framework.spec import build_graph
    from voicegraph.graphs.connection_registry import ConnectionRegistry
    from voicegraph.transports.memory_transport import MemoryTransport

    return build_graph(spec, reg=ConnectionRegistry(MemoryTransport()))
