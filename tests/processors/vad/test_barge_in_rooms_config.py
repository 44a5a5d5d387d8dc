"""The barge-in front end of docs/barge_in.md: its YAML loads and builds a graph."""

from __future__ import annotations

import re
from pathlib import Path

from voicegraph.framework.formats import PCM16K
from voicegraph.framework.registry import Registry
from voicegraph.framework.spec import build_graph, load_spec
from voicegraph.graphs.connection_registry import ConnectionRegistry
from voicegraph.processors.audio.echo_canceller import EchoCanceller
from voicegraph.processors.vad.false_interruption_filter import FalseInterruptionFilter
from voicegraph.transports.memory_transport import MemoryTransport

PAGE = Path(__file__).parents[3] / "docs" / "barge_in.md"


def page_yaml() -> str:
    (block,) = re.findall(r"^```yaml\n(.*?)^```$", PAGE.read_text(), re.M | re.S)
    return str(block)


def test_the_pages_barge_in_front_end_builds_with_both_nodes_in_place() -> None:
    spec = load_spec(page_yaml())
    reg = Registry()
    # entry points in pyproject.toml; registered here too for checkouts installed before them
    reg.register("processors", "echo_canceller", EchoCanceller, replace=True)
    reg.register("processors", "false_interruption_filter", FalseInterruptionFilter, replace=True)
    conn = MemoryTransport(output_format=PCM16K)
    graph = build_graph(spec, reg=ConnectionRegistry(conn, base=reg))
    order = [type(graph.processors[n]).__name__ for n in graph.topo_order()]
    assert order.index("EchoCanceller") < order.index("VoiceActivityDetector")
    assert order.index("WhisperSTT") < order.index("FalseInterruptionFilter")
    assert isinstance(graph.processors["echo"], EchoCanceller)
    assert isinstance(graph.processors["false_interruptions"], FalseInterruptionFilter)
