"""MkDocs hook: draws the benchmark charts of docs/benchmarks.md from benchmarks/results/*.json.

The charts are made at build time (SVG, matplotlib's Agg backend) and added to the site as
generated files under `img/bench/`, so no picture is kept in git and none can drift from
the JSON it shows. Each chart's source file is named in its title and on the page.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from mkdocs.structure.files import File, Files

if TYPE_CHECKING:
    from collections.abc import Callable

    from matplotlib.figure import Figure
    from mkdocs.config.defaults import MkDocsConfig

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"
VARIANTS = ("voicegraph", "voicegraph_queued", "pipecat")
COLORS = {"voicegraph": "#1f77b4", "voicegraph_queued": "#6baed6", "pipecat": "#d62728", "none": "#999999"}


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((RESULTS / name).read_text())
    return data


def _svg(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return buf.getvalue()


def voice_latency() -> Figure:
    """Voice-to-voice p50/p95 per engine pair, both kept runs, with Pipecat's p50."""
    full, rerun = _load("voice-latency-full.json"), _load("voice-latency-rerun.json")
    pairs = list(full["runs"])
    fig, ax = plt.subplots(figsize=(7, 3.6))
    width = 0.2
    for i, (label, data) in enumerate((("run 1", full), ("rerun", rerun))):
        for j, pct in enumerate(("p50", "p95")):
            xs = [k + (2 * i + j - 1.5) * width for k in range(len(pairs))]
            ys = [data["runs"][p]["stages_ms"]["voice_to_voice"][pct] for p in pairs]
            ax.bar(
                xs,
                ys,
                width,
                label=f"{label} {pct}",
                color=COLORS["voicegraph"],
                alpha=0.45 + 0.25 * j + 0.1 * i,
            )
    ax.axhline(
        full["anchor"]["voice_to_voice_p50_ms"], color=COLORS["pipecat"], ls="--", label="Pipecat 1.14 p50"
    )
    ax.set_ylim(0, full["anchor"]["voice_to_voice_p50_ms"] * 1.45)  # room for the legend above the line
    ax.set_xticks(range(len(pairs)), pairs)
    ax.set_ylabel("voice to voice (ms)")
    ax.set_title("Voice-to-voice latency, 20 turns each (voice-latency-{full,rerun}.json)", fontsize=9)
    ax.legend(fontsize=7, ncol=3, loc="upper left")
    return fig


def per_hop_latency() -> Figure:
    """Per-hop p50 latency against chain length, audio frames."""
    chains = _load("runtime-full.json")["latency"]["chains"]
    sizes = [1, 10, 50]
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for v in VARIANTS:
        ys = [chains[f"audio/{n}_nodes"][v]["per_hop"]["p50_us"] for n in sizes]
        ax.plot(sizes, ys, marker="o", label=v, color=COLORS[v])
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(sizes, [str(n) for n in sizes])
    ax.set_xlabel("nodes in the chain")
    ax.set_ylabel("per-hop latency p50 (µs)")
    ax.set_title("Per-hop latency, 20 ms audio frames (runtime-full.json)", fontsize=9)
    ax.legend(fontsize=8)
    return fig


def realtime_lateness() -> Figure:
    """p99 lateness of K live 20 ms streams through 10-node graphs."""
    realtime = _load("runtime-full.json")["realtime"]
    ks = sorted(int(k.split("=")[1]) for k in realtime)
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for v in ("none", *VARIANTS):
        ys = [realtime[f"k={k}"][v]["lateness_p99_ms"] for k in ks]
        ax.plot(ks, ys, marker="o", label=v, color=COLORS[v])
    ax.set_yscale("log")
    ax.set_xticks(ks, [str(k) for k in ks])
    ax.set_xlabel("live streams (graphs of 10 nodes)")
    ax.set_ylabel("lateness p99 (ms)")
    ax.set_title("Real-time streams: p99 lateness (runtime-full.json)", fontsize=9)
    ax.legend(fontsize=8)
    return fig


def interruption_latency() -> Figure:
    """Interruption latency p50 per scenario, voicegraph (queued) against Pipecat."""
    runs = _load("runtime-full.json")["interruption"]
    keys = list(runs)
    fig, ax = plt.subplots(figsize=(7, 3.4))
    width = 0.4
    for i, v in enumerate(("voicegraph_queued", "pipecat")):
        ys = [runs[k][v]["latency"]["p50_us"] / 1000 for k in keys]
        ax.bar([k + (i - 0.5) * width for k in range(len(keys))], ys, width, label=v, color=COLORS[v])
    ax.set_yscale("log")
    ax.set_xticks(range(len(keys)), keys, fontsize=7)
    ax.set_ylabel("interruption p50 (ms)")
    ax.set_title("Interruption, 10-node chain (runtime-full.json)", fontsize=9)
    ax.legend(fontsize=8)
    return fig


def concurrent_callers() -> Figure:
    """Reply latency p50/p95 against concurrent callers, engines shared and per session."""
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for name, label, color in (
        ("concurrent-callers.json", "engines shared", COLORS["voicegraph"]),
        ("concurrent-callers-baseline.json", "engines per session", COLORS["none"]),
    ):
        runs = _load(name)["runs"]
        xs = [r["callers"] for r in runs]
        ax.plot(
            xs, [r["reply_latency_ms"]["p50"] for r in runs], marker="o", color=color, label=f"{label} p50"
        )
        ax.plot(xs, [r["reply_latency_ms"]["p95"] for r in runs], ls="--", color=color, label=f"{label} p95")
    ax.set_xlabel("concurrent callers")
    ax.set_ylabel("reply latency (ms)")
    ax.set_title("Concurrent callers, cheap stock graph (concurrent-callers*.json)", fontsize=9)
    ax.legend(fontsize=7)
    return fig


CHARTS: dict[str, Callable[[], Figure]] = {
    "voice-latency.svg": voice_latency,
    "per-hop-latency.svg": per_hop_latency,
    "realtime-lateness.svg": realtime_lateness,
    "interruption.svg": interruption_latency,
    "concurrent-callers.svg": concurrent_callers,
}


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Adds each chart to the site as `img/bench/<name>` before pages are rendered."""
    plt.rcParams["svg.hashsalt"] = "voicegraph"  # stable SVG ids: the same JSON gives the same file
    for name, draw in CHARTS.items():
        files.append(File.generated(config, f"img/bench/{name}", content=_svg(draw())))
    return files
