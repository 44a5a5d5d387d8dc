"""The stock voice agent graph: its YAML spec, engine swaps by option, and the builder.

    conn = MemoryTransport()
    graph = build_voice_agent(conn, VoiceAgentOptions(stt="pocketsphinx", tts="espeak"))

The spec (`voice_agent.yaml`) is a plain `GraphSpec`; `transport_input` and
`transport_output` are bound to the session's connection by `ConnectionRegistry`.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.spec import GraphSpec, NodeSpec, build_graph, load_spec, params_model
from voicegraph.graphs.connection_registry import ConnectionRegistry

if TYPE_CHECKING:
    from collections.abc import Mapping

    from voicegraph.framework.formats import AudioFormat
    from voicegraph.framework.graph import Graph
    from voicegraph.framework.registry import Registry
    from voicegraph.processors.vad.barge_in_onset import BargeInRule
    from voicegraph.transports.connection import Connection

STOCK_SPEC = Path(__file__).with_name("voice_agent.yaml")
"""The stock voice agent spec shipped with the package."""

SttChoice = Literal["whisper", "pocketsphinx"]
TtsChoice = Literal["piper", "espeak"]
AgentChoice = Literal["local", "scripted", "llm"]
TurnChoice = Literal["silence", "transcript"]

ENGINES: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {
    "stt": {
        "whisper": ("whisper_stt", {"catch_up_ms": 0.0}),
        "pocketsphinx": ("pocketsphinx_stt", {"catch_up_ms": 0.0}),
    },
    "tts": {"piper": ("piper_tts", {}), "espeak": ("espeak_tts", {})},
    "agent": {
        "local": (
            "local_llm",
            {"threads": 1, "batch_threads": 2, "params": {"max_tokens": 80, "temperature": 0.3}},
        ),
        "scripted": ("scripted_agent", {}),
        "llm": ("llm", {"params": {"max_tokens": 120}}),
    },
    "turn": {
        "silence": ("silence_turn_detector", {"min_delay": 0.3, "max_delay": 2.0}),
        "transcript": (
            "transcript_aware_turn_detector",
            {"complete_delay": 0.3, "min_delay": 0.5, "max_delay": 1.5},
        ),
    },
}
"""Per option and choice: the registry type and the params it gets when swapped in."""

_NODE_OF = {"stt": "stt", "tts": "tts", "agent": "agent", "turn": "turn"}


@dataclass(frozen=True, slots=True)
class VoiceAgentOptions:
    """What to change in the stock spec. None keeps what the spec says.

    Swapping an engine replaces the node's type and params with `ENGINES`' entry;
    `params` then merges per-node overrides on top (node id -> params).
    """

    stt: SttChoice | None = None
    tts: TtsChoice | None = None
    agent: AgentChoice | None = None
    turn: TurnChoice | None = None
    """`transcript` moves the turn detector after the STT, where it sees transcripts."""
    noise: bool = False
    """Put RNNoise in front of the VAD."""
    echo: bool = False
    """Cancel the bot's own voice in the microphone (WebRTC AEC3 against what the output
    played) in front of the VAD: a speakerphone call does not interrupt itself."""
    false_interruptions: bool = False
    """A cough or "mm-hmm" pauses the bot and it resumes where it was; words cut it. Moves
    the barge-in from the VAD to a filter after the STT (`false_interruption_filter`)."""
    barge_in: bool | None = None
    """Whether the VAD interrupts the bot when the user starts speaking (stock: yes)."""
    barge_in_rule: BargeInRule | None = None
    """The VAD's start rule while the bot speaks: "fast" (stock) or "stock" (0.2 s, for A/B)."""
    preemptive: bool | None = None
    """Start the reply on the final transcript, held until the turn end (stock: yes)."""
    system_prompt: str | None = None
    agent_params: Mapping[str, Any] = field(default_factory=dict)
    """Merged into the agent node's params (e.g. ScriptedAgent rules)."""
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Per node id, params merged over the spec's."""


@functools.cache
def _stock() -> GraphSpec:
    return load_spec(STOCK_SPEC)


def voice_agent_spec(options: VoiceAgentOptions | None = None, spec: GraphSpec | None = None) -> GraphSpec:
    """The spec with `options` applied (a new object; the input is not changed).

    Raises:
        VoiceError: (invalid_config) a choice or node id the spec does not have.
    """
    options = options or VoiceAgentOptions()
    out = (spec or _stock()).model_copy(deep=True)
    nodes = {n.id: n for n in out.nodes}
    for option, node_id in _NODE_OF.items():
        choice = getattr(options, option)
        if choice is not None:
            _swap(_node(nodes, node_id), option, choice)
    if options.turn == "transcript":
        _move_after(out, "turn", "stt")
    if options.noise and "noise" not in nodes:
        at = next(i for i, n in enumerate(out.nodes) if n.id == "vad")
        out.nodes.insert(at, NodeSpec(id="noise", type="rnnoise_filter"))
    if options.echo and "echo" not in nodes:
        at = next(i for i, n in enumerate(out.nodes) if n.id in ("noise", "vad"))
        out.nodes.insert(at, NodeSpec(id="echo", type="echo_canceller"))
    if options.false_interruptions and "false_interruptions" not in nodes:
        _node(nodes, "vad").params["interrupt_on_speech"] = False
        at = next(i for i, n in enumerate(out.nodes) if n.id == "stt") + 1
        out.nodes.insert(at, NodeSpec(id="false_interruptions", type="false_interruption_filter"))
    if options.barge_in is not None:
        _node(nodes, "vad").params["interrupt_on_speech"] = options.barge_in
    if options.barge_in_rule is not None:
        _merge(_node(nodes, "vad").params, {"barge_in": {"rule": options.barge_in_rule}})
    if options.preemptive is not None:
        _node(nodes, "user_context").params["preemptive"] = options.preemptive
    if options.system_prompt is not None:
        _node(nodes, "user_context").params["system_prompt"] = options.system_prompt
    if options.agent_params:
        _merge(_node(nodes, "agent").params, options.agent_params)
    for node_id, params in options.params.items():
        _merge(_node(nodes, node_id).params, params)
    return GraphSpec.model_validate(out.model_dump())


def build_voice_agent(
    conn: Connection,
    options: VoiceAgentOptions | None = None,
    *,
    spec: GraphSpec | None = None,
    reg: Registry | None = None,
) -> Graph:
    """Build the voice agent graph for one session on `conn` (soxr for format conversion).

    Raises:
        VoiceError: (invalid_config) bad options or params; (missing_dependency) an
            engine is not installed; (not_negotiated) formats that do not fit.
    """
    from voicegraph.processors.audio import create_converter

    return build_graph(
        voice_agent_spec(options, spec),
        reg=ConnectionRegistry(conn, base=reg),
        converter_factory=create_converter,
    )


def spoken_format(
    spec: GraphSpec, node_id: str = "tts", *, reg: Registry | None = None
) -> AudioFormat | None:
    """The audio format the spec's TTS node produces (so a transport can play it unconverted).

    Builds the node alone (cheap: engines load when a graph starts).
    """
    from voicegraph.framework.registry import registry

    node = next((n for n in spec.nodes if n.id == node_id), None)
    if node is None:
        return None
    factory = (reg or registry).get("processors", node.type)
    proc = factory(**dict(params_model(factory).model_validate(node.params)), name=node.id)
    fmt: AudioFormat | None = proc.output_format(None)
    return fmt


def _node(nodes: dict[str, NodeSpec], node_id: str) -> NodeSpec:
    if node_id not in nodes:
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"the voice agent spec has no node {node_id!r}")
    return nodes[node_id]


def _swap(node: NodeSpec, option: str, choice: str) -> None:
    table = ENGINES[option]
    if choice not in table:
        known = ", ".join(sorted(table))
        raise VoiceError(ErrorCode.INVALID_CONFIG, f"unknown {option} {choice!r} (known: {known})")
    type_, params = table[choice]
    if node.type != type_:
        node.type = type_
        node.params = copy.deepcopy(params)


def _move_after(spec: GraphSpec, node_id: str, anchor: str) -> None:
    if spec.links is not None:
        raise VoiceError(ErrorCode.INVALID_CONFIG, "cannot reorder a spec with explicit links")
    ids = [n.id for n in spec.nodes]
    if node_id not in ids or anchor not in ids:
        return
    node = spec.nodes.pop(ids.index(node_id))
    spec.nodes.insert([n.id for n in spec.nodes].index(anchor) + 1, node)


def _merge(into: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)
