"""Summary statistics for timing samples: percentiles, summaries and ratios."""

from __future__ import annotations

import math
from collections.abc import Sequence

from voicegraph.demo.latency_table import percentile


def summary_us(values_ns: Sequence[int], *, scale: float = 1.0) -> dict[str, float]:
    """p50, p99, max and mean of nanosecond samples, in microseconds, each divided by `scale`."""
    us = [v / 1000.0 / scale for v in values_ns]
    return {
        "n": len(us),
        "p50_us": round(percentile(us, 50), 3),
        "p99_us": round(percentile(us, 99), 3),
        "max_us": round(max(us), 3) if us else math.nan,
        "mean_us": round(sum(us) / len(us), 3) if us else math.nan,
    }


def ratio(numerator: float, denominator: float) -> float | None:
    """`numerator / denominator` rounded to 3 places, or None when undefined."""
    if not denominator or math.isnan(numerator) or math.isnan(denominator):
        return None
    return round(numerator / denominator, 3)
