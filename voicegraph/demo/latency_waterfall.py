"""Latency pictures: a per-turn waterfall of a conversation's stages, and a side-by-side chart (PNG)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from voicegraph.demo.latency_table import COLUMNS, percentile
from voicegraph.framework.errors import missing_dependency

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

STAGE_LABELS: dict[str, str] = {
    "vad": "VAD stop",
    "turn_end": "turn end",
    "stt": "STT final",
    "agent_first_token": "first token",
    "tts_first_byte": "first audio",
    "first_audio_out": "played",
}
"""The waterfall's stages (`latency_table.COLUMNS` order) and their legend labels."""
_COLORS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860")


@dataclass(frozen=True, slots=True)
class WaterfallBar:
    """One bar: a turn's wait from the event before (or the end of speech) to `stage`."""

    turn: int
    """Row (0-based position of the turn in the picture)."""
    stage: str
    start_ms: float
    """ms after the end of the user's speech where the bar starts (the event before it)."""
    end_ms: float
    """ms after the end of the user's speech when `stage` happened."""


def waterfall_bars(turns: Sequence[Mapping[str, float | None]]) -> list[WaterfallBar]:
    """The bars of a waterfall: per turn, its known stages in the order they happened, each
    bar from the event before it (0: the end of the user's speech) to its own time.

    Args:
        turns: per turn, stage name (`STAGE_LABELS`) -> ms after the end of speech, or None.
    """
    bars: list[WaterfallBar] = []
    for row, stages in enumerate(turns):
        known = [
            (v, k) for k, v in stages.items() if k in STAGE_LABELS and v is not None and not math.isnan(v)
        ]
        order = list(STAGE_LABELS)
        start = 0.0
        for t, stage in sorted(known, key=lambda kv: (kv[0], order.index(kv[1]))):
            bars.append(WaterfallBar(row, stage, start, t))
            start = max(start, t)
    return bars


def _pyplot() -> Any:
    """matplotlib's pyplot on the headless Agg backend.

    Raises:
        VoiceError: (missing_dependency) matplotlib is not installed.
    """
    try:
        import matplotlib
    except ImportError:
        raise missing_dependency("local", "matplotlib") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def write_waterfall(
    turns: Sequence[Mapping[str, float | None]], path: Path, *, title: str = "", labels: Sequence[str] = ()
) -> Path:
    """Draw the per-turn waterfall (`waterfall_bars`) into a PNG at `path`.

    Args:
        turns: per turn, stage -> ms after the end of the user's speech (None: not seen).
        path: the PNG to write (its folder must exist).
        title: the picture's title.
        labels: one y-axis label per turn (default: "turn 1", "turn 2"...).

    Raises:
        VoiceError: (missing_dependency) matplotlib is not installed.
    """
    plt = _pyplot()
    colors = dict(zip(STAGE_LABELS, _COLORS, strict=True))
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.45 * max(1, len(turns))))
    seen: set[str] = set()
    for bar in waterfall_bars(turns):
        ax.barh(
            bar.turn, max(bar.end_ms - bar.start_ms, 1.0), left=bar.start_ms, height=0.6,
            color=colors[bar.stage], label=None if bar.stage in seen else STAGE_LABELS[bar.stage],
        )  # fmt: skip
        seen.add(bar.stage)
    ax.set_yticks(range(len(turns)), list(labels) or [f"turn {i + 1}" for i in range(len(turns))])
    ax.invert_yaxis()
    ax.set_xlabel("ms after the end of the user's speech")
    ax.set_title(title or "Voice-to-voice waterfall per turn")
    handles, names = ax.get_legend_handles_labels()
    order = [names.index(STAGE_LABELS[s]) for s in STAGE_LABELS if STAGE_LABELS[s] in names]
    ax.legend([handles[i] for i in order], [names[i] for i in order], loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_comparison(
    sides: Mapping[str, Sequence[Mapping[str, float | None]]], path: Path, *, title: str = ""
) -> Path:
    """Draw each side's p50 per stage (grouped bars, p95 as a whisker) into a PNG at `path`.

    Args:
        sides: side name -> its turns (stage -> ms after the end of speech, None: not seen).
        path: the PNG to write.
        title: the chart's title.

    Raises:
        VoiceError: (missing_dependency) matplotlib is not installed.
    """
    plt = _pyplot()
    stages = [key for key, _ in COLUMNS]
    width = 0.8 / max(1, len(sides))
    fig, ax = plt.subplots(figsize=(9, 4))
    for i, (name, turns) in enumerate(sides.items()):
        p50, err = [], []
        for stage in stages:
            values = [v for t in turns if (v := t.get(stage)) is not None and not math.isnan(v)]
            mid = percentile(values, 50)
            p50.append(0.0 if math.isnan(mid) else mid)
            err.append(0.0 if math.isnan(mid) else percentile(values, 95) - mid)
        xs = [x + i * width for x in range(len(stages))]
        ax.bar(xs, p50, width, yerr=[[0.0] * len(err), err], capsize=3, label=name, color=_COLORS[i % 6])
    ax.set_xticks(
        [x + width * (len(sides) - 1) / 2 for x in range(len(stages))], [STAGE_LABELS[s] for s in stages]
    )
    ax.set_ylabel("ms after the end of the user's speech (p50, whisker p95)")
    ax.set_title(title or "Stages after the end of speech")
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
