"""GcPolicy: the garbage-collector settings of a serving process (`gc:` in a serve config).

CPython's cyclic collector stops the event loop while it runs; a full (generation-2)
collection walks every tracked object in the process, so with the models, modules and
caches of a loaded server each one is a pause of tens of milliseconds in every live call
(issue 19: 17-45 ms pauses gave a 23-39 ms p99 lateness at 200 real-time graphs). The
policy runs once, when the server is ready (engines loaded): it collects, then freezes
the start-up heap (`gc.freeze`: those objects are never walked again) and sets the
collector's thresholds. What stays to walk is what sessions create, so pauses scale with
the live calls, not with the process. Only the start-up heap is frozen, once: frozen
cyclic garbage is never freed, so freezing again while calls run would leak their cycles.
Figures: docs/benchmarks.md, "Real-time tails" (`benchmarks/realtime_tails.py`).
"""

from __future__ import annotations

import gc
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class GcConfig(BaseModel):
    """The `gc:` section of a serve config: what the server does to the garbage collector
    once it is ready. `enabled: false` leaves Python's defaults untouched."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    """Apply the policy when the server is ready (false: Python's collector as it comes)."""
    freeze: bool = True
    """Collect, then freeze the start-up heap (engines, modules) so no later collection
    walks it. Done once; sessions' objects are collected as usual."""
    threshold0: int = Field(default=700, ge=1)
    """Allocations (net of frees) between two youngest-generation collections (Python: 700).
    Objects freed by reference counting (most frames) never count. Kept at Python's value:
    a higher one makes each generation-1 collection walk more survivors (measured: 7000
    gave 30-110 ms generation-1 pauses under the application model of the benchmark)."""
    threshold1: int = Field(default=10, ge=1)
    """Youngest collections between two generation-1 collections (Python: 10)."""
    threshold2: int = Field(default=100, ge=1)
    """Generation-1 collections before a full collection is considered (Python: 10): full
    collections, the long pauses, become ten times rarer. A full collection also waits
    until the objects promoted since the last one reach 25% of the old generation."""


def apply_gc_policy(config: GcConfig) -> dict[str, Any]:
    """Apply `config` to this process; returns what was done (for the `ready` event).

    Call once, after start-up (engines loaded, before sessions): a collection first, so no
    start-up garbage is frozen. Takes as long as one full collection of the start-up heap
    (milliseconds to a few hundred for a heap with big models).
    """
    if not config.enabled:
        return {"enabled": False, "thresholds": list(gc.get_threshold())}
    t0 = time.perf_counter()
    gc.collect()
    frozen = 0
    if config.freeze:
        gc.freeze()
        frozen = gc.get_freeze_count()
    gc.set_threshold(config.threshold0, config.threshold1, config.threshold2)
    return {
        "enabled": True,
        "frozen": frozen,
        "thresholds": list(gc.get_threshold()),
        "ms": round((time.perf_counter() - t0) * 1e3, 1),
    }
