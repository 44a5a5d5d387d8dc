"""dry_run_graph: build a served graph once, before the server listens, to find its mistakes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import MULAW8K, PCM16K

if TYPE_CHECKING:
    from collections.abc import Callable

    from voicegraph.framework.graph import Graph

_PROVIDER_INPUT = {"twilio": MULAW8K}
"""Audio format each provider's connections bring (others: 16 kHz PCM)."""


def dry_run_graph(factory: Callable[[Any], Graph], provider: str = "websocket") -> Graph:
    """Build one session's graph on a placeholder connection of `provider`'s format, as a
    session would (types, params, links, cycles, format negotiation), without starting
    it: no engine loads and no socket opens. The graph is kept for the engines' preload.

    Raises:
        VoiceError: (invalid_config) unknown types, bad params, a cycle, a factory that
            fails; (not_negotiated) formats that do not fit. `details` holds one line per
            mistake when there are several.
    """
    from voicegraph.transports.memory_transport import MemoryTransport

    conn = MemoryTransport(input_format=_PROVIDER_INPUT.get(provider, PCM16K), session_id="dry-run")
    try:
        graph = factory(conn)
        if not graph.built:
            graph.build()
    except VoiceError:
        raise
    except Exception as exc:  # a Python factory's own bug: one line, not a traceback
        raise VoiceError(
            ErrorCode.INVALID_CONFIG, f"the graph factory failed: {type(exc).__name__}: {exc}"
        ) from exc
    return graph


def problem_lines(err: VoiceError) -> list[str]:
    """One `[code] problem` line per mistake an error carries."""
    if not err.details:
        return [f"[{err.code}] {err.message}" + (f" (node {err.node})" if err.node else "")]
    return [f"[{err.code}] {err.message}: {d}" for d in err.details]
