"""preload_engines: load and warm a graph's engines into the process's registry, before any session.

`voicegraph serve` builds the served graph once as a dry run (on a placeholder
connection) and hands it here before it says ready: every node's engines are loaded
into `ENGINES` (the shared local LLM server started), each run once when `warm`, and
the graph is never started. A session's graph, built later from the same spec, finds
its engines loaded: its start loads nothing (issue 12, cause 1).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from voicegraph.framework.engine_registry import ENGINES, EngineHolder
from voicegraph.framework.formats import SampleFormat
from voicegraph.processors.agent.local_llm_node import LocalLLMNode
from voicegraph.processors.vad.voice_activity_detector import VoiceActivityDetector

if TYPE_CHECKING:
    from voicegraph.framework.graph import Graph
    from voicegraph.framework.processor import Processor


async def preload_engines(graph: Graph, *, warm: bool = True) -> dict[str, float]:
    """Load (and warm) the engines of `graph`'s nodes; returns ms spent per node that has any.

    Each engine loads off the event loop, one node after another (engine loads take
    `ENGINE_LOAD_LOCK` anyway). The graph is not started and keeps no state from this.

    Args:
        graph: a built graph (formats negotiated), never started.
        warm: run each engine once (a noise utterance, a short sentence, the local LLM's
            opening prompt into its cache).

    Raises:
        VoiceError: an engine's own error (missing_dependency, invalid_config, ...).
    """
    spent: dict[str, float] = {}
    for name in graph.topo_order():
        proc = graph.processors[name]
        t0 = time.perf_counter()
        if not await asyncio.to_thread(_load, proc, graph, name, warm):
            continue
        spent[name] = (time.perf_counter() - t0) * 1000
    return spent


async def close_engines() -> None:
    """Release every engine of the process (stops the shared local LLM servers)."""
    await asyncio.to_thread(ENGINES.close_all)


def _load(proc: Processor, graph: Graph, name: str, warm: bool) -> bool:
    """Load (and warm) one node's engines; False when it has none. Blocking."""
    if isinstance(proc, EngineHolder):
        proc.load_engines()
        if warm:
            proc.warm_engines()
            if isinstance(proc, LocalLLMNode):
                from voicegraph.processors.engines.engine_warmup import warm_prompt_cache

                warm_prompt_cache(proc, graph)
        return True
    if isinstance(proc, VoiceActivityDetector):
        return _load_vad(proc, graph, name, warm)
    return False


def _load_vad(proc: VoiceActivityDetector, graph: Graph, name: str, warm: bool) -> bool:
    fmt = graph.input_formats.get(name)
    if fmt is None or fmt.sample_format is not SampleFormat.S16:
        return False
    proc.preload_engine(fmt, warm=warm)
    return True
