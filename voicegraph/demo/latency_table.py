"""Text reports of a voice conversation: the transcript of both sides and a per-turn latency table."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from voicegraph.demo.request_timing import RequestTiming

COLUMNS: tuple[tuple[str, str], ...] = (
    ("vad", "VAD stop"),
    ("turn_end", "turn end"),
    ("stt", "STT final"),
    ("agent_first_token", "LLM 1st token"),
    ("tts_first_byte", "TTS 1st audio"),
    ("first_audio_out", "audio out"),
)
"""Stage (`backends.turn_tracker.STAGES`) and heading, in pipeline order (ms after the end
of the user's speech)."""


def percentile(values: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0..100) by linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def format_transcript(turns: Sequence[RequestTiming]) -> str:
    """Both sides, turn by turn: what the bot heard, and what it said (and what was cut)."""
    lines: list[str] = []
    for t in turns:
        lines.append(f"user: {t.user_text or '(nothing heard)'}")
        said = t.bot_text
        if t.interrupted:
            heard = t.heard_text or ""
            rest = said[len(heard) :].strip() if said.startswith(heard) else said
            lines.append(f"bot:  {heard} [cut off by the user; not heard: {rest!r}]" if heard else
                         f"bot:  [cut off before it was heard: {said!r}]")  # fmt: skip
        else:
            lines.append(f"bot:  {said or '(no reply)'}")
    return "\n".join(lines)


def _cell(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.0f}"


def format_latency_table(turns: Sequence[RequestTiming]) -> str:
    """One row per turn and p50/p95 rows: ms from the end of the user's speech to each stage.

    `overhead` is what the framework itself added on the critical path (see
    `RequestTiming.overhead_ms`); `*` marks turns whose speech end is the VAD's estimate.
    """
    heads = [h for _, h in COLUMNS] + ["overhead"]
    widths = [max(len(h), 6) for h in heads]
    rows = [["turn", *heads]]
    series: dict[str, list[float]] = {h: [] for h in heads}
    for t in turns:
        stages = t.stages()
        values = [stages[k] for k, _ in COLUMNS] + [t.overhead_ms]
        for h, v in zip(heads, values, strict=True):
            if v is not None:
                series[h].append(v)
        mark = "*" if t.speech_end_source == "vad" else ""
        cells = [_cell(v) for v in values]
        if t.overhead_ms is not None:
            cells[-1] = f"{t.overhead_ms:.1f}"
        rows.append([f"{t.index}{mark}", *cells])
    for q in (50, 95):
        cells = [_cell(percentile(series[h], q)) for h in heads]
        if series["overhead"]:
            cells[-1] = f"{percentile(series['overhead'], q):.1f}"
        rows.append([f"p{q}", *cells])
    width0 = max(len(r[0]) for r in rows)
    out = []
    for r in rows:
        cols = [r[0].ljust(width0)] + [c.rjust(w) for c, w in zip(r[1:], widths, strict=True)]
        out.append("  ".join(cols))
    return "\n".join(out)
