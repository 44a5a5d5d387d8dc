"""Declared latency of a node, summed per path when a graph is built."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LatencySpec:
    """The latency a node adds on the critical path (lookahead, endpointing, first chunk)."""

    ms: float = 0.0
    """Expected added latency in milliseconds."""
    note: str = ""
    """Where the latency comes from (shown in budget reports)."""
