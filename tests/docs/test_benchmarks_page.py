"""docs/benchmarks.md quotes the figures of benchmarks/results/*.json as they are.

A rerun that rewrites a results file makes this fail until the page is brought up to
date, so the page never shows figures no file holds. The charts are drawn from the same
files by the site's build hook; each must draw.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "benchmarks.md"
RESULTS = ROOT / "benchmarks" / "results"


def _voice(run: str, pair: str, pct: str) -> tuple[str, tuple[str, ...]]:
    return run, ("runs", pair, "stages_ms", "voice_to_voice", pct)


def _hop(n: int, variant: str) -> tuple[str, tuple[str, ...]]:
    return "runtime-full.json", ("latency", "chains", f"audio/{n}_nodes", variant, "per_hop", "p50_us")


def _interrupt(key: str, variant: str, field: str = "latency") -> tuple[str, tuple[str, ...]]:
    if field == "latency":
        return "runtime-full.json", ("interruption", key, variant, "latency", "p50_us")
    return "runtime-full.json", ("interruption", key, variant, field)


def _callers(name: str, index: int, *path: str) -> tuple[str, tuple[str | int, ...]]:
    return name, ("runs", index, *path)


QUOTED: list[tuple[str, tuple[str | int, ...]]] = [
    *(
        _voice(run, pair, pct)
        for run in ("voice-latency-full.json", "voice-latency-rerun.json")
        for pair in ("whisper/piper", "pocketsphinx/piper", "pocketsphinx/espeak")
        for pct in ("p50", "p95")
    ),
    *(
        ("voice-latency-full.json", ("runs", pair, "stages_ms", "framework_overhead", "p95"))
        for pair in ("whisper/piper", "pocketsphinx/piper", "pocketsphinx/espeak")
    ),
    ("voice-latency-full.json", ("anchor", "voice_to_voice_p50_ms")),
    ("voice-latency-full.json", ("anchor", "voice_to_voice_p95_ms")),
    *(_hop(n, v) for n in (1, 10, 50) for v in ("voicegraph", "voicegraph_queued", "pipecat")),
    *(
        ("runtime-full.json", ("realtime", "k=200", v, "lateness_p99_ms"))
        for v in ("none", "voicegraph", "voicegraph_queued", "pipecat")
    ),
    ("runtime-full.json", ("idle", "k=100", "voicegraph", "rss_per_graph_kb")),
    ("runtime-full.json", ("idle", "k=500", "voicegraph", "rss_per_graph_kb")),
    ("runtime-full.json", ("idle", "k=100", "pipecat", "rss_per_graph_kb")),
    ("runtime-full.json", ("idle", "k=100", "pipecat", "tasks_per_graph")),
    *(
        _interrupt(key, v, field)
        for key in ("backlog/head", "in_flight/head", "idle/api")
        for v in ("voicegraph_queued", "pipecat")
        for field in ("latency", "stale_after_flush_total")
    ),
    *(
        _callers(name, i, "reply_latency_ms", pct)
        for name in ("concurrent-callers.json", "concurrent-callers-baseline.json")
        for i in range(3)
        for pct in ("p50", "p95")
    ),
    *(
        _callers(name, i, "rss_mb", "peak")
        for name in ("concurrent-callers.json", "concurrent-callers-baseline.json")
        for i in range(3)
    ),
    ("barge-in.json", ("after", "words", "trials")),
    ("barge-in.json", ("before", "words", "first_word_cut_ms", "p50")),
    ("barge-in.json", ("after", "words", "first_word_cut_ms", "p95")),
    ("barge-in.json", ("after", "noise", "trials")),
]


def _figure(name: str, path: tuple[str | int, ...]) -> Any:
    value: Any = json.loads((RESULTS / name).read_text())
    for key in path:
        value = value[key]
    return value


def _shown(value: Any) -> str:
    """How the page writes a figure: floats as Python prints them, whole ms without `.0`."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@pytest.mark.parametrize(("name", "path"), QUOTED, ids=[f"{n}:{'.'.join(map(str, p))}" for n, p in QUOTED])
def test_page_quotes_the_figure_of_its_results_file(name: str, path: tuple[str | int, ...]) -> None:
    assert _shown(_figure(name, path)) in PAGE.read_text()


def test_page_names_the_missed_target_of_the_runtime_run() -> None:
    missed = [t for t in _figure("runtime-full.json", ("targets",)) if not t["met"]]
    assert [t["value"] for t in missed] == [0.201]
    assert "0.201" in PAGE.read_text()


def _hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_charts", ROOT / "docs" / "_hooks" / "bench_charts.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_chart_the_page_shows_is_drawn_as_svg() -> None:
    hook = _hook()
    shown = {
        line.split("img/bench/")[1].rstrip(")")
        for line in PAGE.read_text().splitlines()
        if "img/bench/" in line
    }
    assert shown == set(hook.CHARTS)
    for draw in hook.CHARTS.values():
        assert hook._svg(draw()).lstrip().startswith(b"<?xml")
