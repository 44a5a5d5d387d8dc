"""EnginePreload: load (and warm) a served graph's engines before the server says ready.

The engines' shared store (`voicegraph.graphs.engine_preload`: one engine per process,
shared by every session, the local LLM server kept for the process) does the work when
it is installed. Without it, this keeps one idle instance of the graph running for the
life of the server instead, so the engines and the local LLM server stay loaded between
calls (the issue 12 workaround, made automatic).
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voicegraph.framework.graph import Graph
    from voicegraph.framework.runtime import Runtime

log = logging.getLogger("voicegraph.serve")


class EnginePreload:
    """Loads a graph's engines once per process; `close` releases them at shutdown.

    Handles one dry-run graph (see `dry_run_graph`). `load` takes as long as the models
    take to load (seconds) plus one warm-up run each when `warm`; it returns the ms spent
    per node. Nothing is loaded twice: sessions then start in milliseconds.

    Args:
        timeout_s: deadline of `load` (the graph's start, when the fallback runs).
    """

    def __init__(self, *, timeout_s: float = 300.0) -> None:
        self._timeout = timeout_s
        self._keeper: Runtime | None = None
        self.shared = False
        """Whether the process-wide engine store did the work (else the fallback keeper)."""

    async def load(self, graph: Graph, *, warm: bool = True) -> dict[str, float]:
        """Load (and warm) the engines of `graph`'s nodes; ms per node.

        Raises:
            VoiceError: (timeout) not done within `timeout_s`; an engine's own error
                (missing_dependency...).
        """
        try:
            from voicegraph.graphs.engine_preload import preload_engines  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            return await self._keep(graph, warm=warm)
        self.shared = True
        spent: dict[str, float] = await preload_engines(graph, warm=warm)
        return spent

    async def _keep(self, graph: Graph, *, warm: bool) -> dict[str, float]:
        from voicegraph.framework.runtime import Runtime

        t0 = time.perf_counter()
        self._keeper = Runtime(graph, start_timeout=self._timeout, metadata={"session_id": "preload"})
        await self._keeper.start()
        spent = {"start": (time.perf_counter() - t0) * 1000}
        if warm:
            from voicegraph.graphs.engine_warmup import warm_engines

            spent.update(await warm_engines(graph))
        return spent

    async def close(self) -> None:
        """Release the engines (the shared store's, or the kept graph)."""
        if self._keeper is not None:
            keeper, self._keeper = self._keeper, None
            with contextlib.suppress(Exception):
                await keeper.cancel()
        if self.shared:
            from voicegraph.graphs.engine_preload import close_engines  # type: ignore[import-not-found,unused-ignore]

            await close_engines()
