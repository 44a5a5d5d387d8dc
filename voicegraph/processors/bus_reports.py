"""publish_error / publish_metrics: how a node puts an error or a measurement on the graph bus.

For nodes that keep their `StartContext` and report from background tasks (socket
readers, probes): before `on_start` (no context yet) nothing is published. Logging
stays with the caller, under its own logger.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from voicegraph.framework.bus import ErrorEvent, MetricsEvent

if TYPE_CHECKING:
    from voicegraph.framework.context import StartContext
    from voicegraph.framework.errors import VoiceError


def publish_error(ctx: StartContext | None, node: str, err: VoiceError) -> None:
    """An `ErrorEvent` (not fatal: the session goes on) for `err` at `node`."""
    if ctx is not None:
        ctx.bus.publish(ErrorEvent(graph=ctx.bus.name, error=err, node=node))


def publish_metrics(ctx: StartContext | None, node: str, values: dict[str, float]) -> None:
    """A `MetricsEvent` with `values` from `node`."""
    if ctx is not None:
        ctx.bus.publish(MetricsEvent(graph=ctx.bus.name, node=node, values=values))
