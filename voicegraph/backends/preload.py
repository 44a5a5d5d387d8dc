"""EnginePreload: load (and warm) a served graph's engines before the server says ready.

The engines live in the process's registry (`voicegraph.framework.engine_registry`:
one engine per process, shared by every session, the local LLM server kept for the
process); `voicegraph.processors.engines.engine_preload` fills it from the dry-run graph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voicegraph.framework.graph import Graph


class EnginePreload:
    """Loads a graph's engines once per process; `close` releases them at shutdown.

    Handles one dry-run graph (see `dry_run_graph`), which is never started. `load`
    takes as long as the models take to load (seconds) plus one warm-up run each when
    `warm`; it returns the ms spent per node. Nothing is loaded twice: sessions then
    start in milliseconds. A graph without engines (the echo graph) loads nothing.

    Args:
        timeout_s: deadline of `load`, enforced by the caller (`serve`).
    """

    def __init__(self, *, timeout_s: float = 300.0) -> None:
        self._timeout = timeout_s
        self.shared = False
        """Whether `load` ran (so `close` has engines to release)."""

    async def load(self, graph: Graph, *, warm: bool = True) -> dict[str, float]:
        """Load (and warm) the engines of `graph`'s nodes; ms per node.

        Raises:
            VoiceError: an engine's own error (missing_dependency...).
        """
        from voicegraph.processors.engines.engine_preload import preload_engines

        self.shared = True
        return await preload_engines(graph, warm=warm)

    async def close(self) -> None:
        """Release the process's engines (stops the shared local LLM server)."""
        if self.shared:
            from voicegraph.processors.engines.engine_preload import close_engines

            await close_engines()
