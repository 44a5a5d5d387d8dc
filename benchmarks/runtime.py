"""Runtime benchmark: voicegraph and Pipecat side by side, same workloads, one JSON object.

Usage: `python -m benchmarks.runtime [--quick] [--out FILE] [--only latency,idle,...]`
(or `python benchmarks/runtime.py ...`). See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: import `benchmarks` from the repo root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from benchmarks.interruption import run_interruption
from benchmarks.isolated import run_isolated
from benchmarks.latency import run_latency, run_throughput
from benchmarks.session import FrameKind, Variant
from benchmarks.stats import ratio
from benchmarks.targets import check_targets

IN_PROCESS = [Variant.VOICEGRAPH, Variant.VOICEGRAPH_QUEUED, Variant.PIPECAT]
WORKLOADS = ("latency", "throughput", "realtime", "idle", "interruption")
STEP_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Plan:
    """Counts for one mode."""

    lat_count: int
    lat_warmup: int
    tp_sizes: tuple[int, ...]
    tp_count: int
    rt_ks: tuple[int, ...]
    rt_seconds: float
    rt_drain_s: float
    rt_variants: tuple[Variant, ...]
    idle_ks: tuple[int, ...]
    idle_settle_s: float
    int_reps: int


FULL = Plan(
    lat_count=2000, lat_warmup=200, tp_sizes=(1, 10, 50), tp_count=5000,
    rt_ks=(25, 50, 100, 200), rt_seconds=10.0, rt_drain_s=5.0, rt_variants=(Variant.NONE, *IN_PROCESS),
    idle_ks=(100, 500), idle_settle_s=1.0, int_reps=20,
)  # fmt: skip
QUICK = Plan(
    lat_count=300, lat_warmup=50, tp_sizes=(10,), tp_count=1000,
    rt_ks=(200,), rt_seconds=2.0, rt_drain_s=1.0,
    rt_variants=(Variant.NONE, Variant.VOICEGRAPH, Variant.PIPECAT),
    idle_ks=(100,), idle_settle_s=0.3, int_reps=2,
)  # fmt: skip


def _add_ratios(row: dict[str, Any], pick: Callable[[dict[str, Any]], dict[str, float]]) -> None:
    """Add `row["ratio"]["<variant>/pipecat"]` for each voicegraph variant in `row`."""
    ref = row.get(Variant.PIPECAT)
    if not isinstance(ref, dict) or "error" in ref:
        return
    base = pick(ref)
    ratios: dict[str, dict[str, float | None]] = {}
    for name, fig in row.items():
        if name in (Variant.PIPECAT, Variant.NONE) or not isinstance(fig, dict) or "error" in fig:
            continue
        mine = pick(fig)
        ratios[f"{name}/pipecat"] = {k: ratio(mine[k], base[k]) for k in base if k in mine}
    row["ratio"] = ratios


RT_KEYS = ("cpu_per_frame_hop_us", "cpu_per_frame_hop_net_us", "lateness_p99_ms", "cpu_core_fraction")
IDLE_KEYS = ("rss_per_graph_kb", "tasks_per_graph", "build_and_start_s")


def _pick(keys: tuple[str, ...]) -> Callable[[dict[str, Any]], dict[str, float]]:
    return lambda fig: {key: fig[key] for key in keys if key in fig}


def _latency_pick(fig: dict[str, Any]) -> dict[str, float]:
    hop = fig["per_hop"]
    return {"p50": hop["p50_us"], "p99": hop["p99_us"]}


def _marginal(latency: dict[str, Any]) -> dict[str, Any]:
    """Per-hop latency from the slope between the shortest and longest chain (p50)."""
    out: dict[str, Any] = {}
    for kind in FrameKind:
        short, long_ = latency.get(f"{kind}/1_nodes"), latency.get(f"{kind}/50_nodes")
        if not short or not long_:
            continue
        out[kind] = {
            v: {
                "p50_us": round((long_[v]["end_to_end"]["p50_us"] - short[v]["end_to_end"]["p50_us"]) / 49, 3)
            }
            for v in IN_PROCESS
            if v in short and v in long_
        }
        _add_ratios(out[kind], lambda f: {"p50": f["p50_us"]})
    return out


async def _latency(plan: Plan) -> dict[str, Any]:
    kinds = [FrameKind.AUDIO, FrameKind.TEXT]
    res = await run_latency(IN_PROCESS, [1, 10, 50], kinds, plan.lat_count, plan.lat_warmup)
    for row in res.values():
        _add_ratios(row, _latency_pick)
    return {"chains": res, "marginal_per_hop_p50_us": _marginal(res)}


async def _throughput(plan: Plan) -> dict[str, Any]:
    res = await run_throughput(IN_PROCESS, list(plan.tp_sizes), FrameKind.AUDIO, plan.tp_count)
    for row in res.values():
        _add_ratios(row, lambda f: {"fps": f["fps"], "cpu_per_frame_hop_us": f["cpu_per_frame_hop_us"]})
    return res


def _realtime(plan: Plan) -> dict[str, Any]:
    out: dict[str, Any] = {}
    limit = plan.rt_seconds + plan.rt_drain_s + 60
    for k in plan.rt_ks:
        row: dict[str, Any] = {}
        for v in plan.rt_variants:
            row[v] = run_isolated(
                "realtime", limit, variant=str(v), k=k, seconds=plan.rt_seconds, drain_s=plan.rt_drain_s
            )
        base = row.get(Variant.NONE, {}).get("cpu_per_frame_hop_us")
        for name, fig in row.items():
            if name != Variant.NONE and base is not None and "cpu_per_frame_hop_us" in fig:
                fig["cpu_per_frame_hop_net_us"] = round(fig["cpu_per_frame_hop_us"] - base, 3)
        _add_ratios(row, _pick(RT_KEYS))
        out[f"k={k}"] = row
    return out


def _idle(plan: Plan) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in plan.idle_ks:
        row: dict[str, Any] = {
            v: run_isolated("idle", 180.0, variant=str(v), k=k, settle_s=plan.idle_settle_s)
            for v in IN_PROCESS
        }
        _add_ratios(row, _pick(IDLE_KEYS))
        out[f"k={k}"] = row
    return out


async def _interruption(plan: Plan) -> dict[str, Any]:
    res = await run_interruption(plan.int_reps, IN_PROCESS)
    for row in res.values():
        _add_ratios(row, lambda f: {"p50_us": f["latency"]["p50_us"], "max_us": f["latency"]["max_us"]})
    return res


def _meta(quick: bool) -> dict[str, Any]:
    return {
        "mode": "quick" if quick else "full",
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cpus",
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
        "pipecat": importlib.metadata.version("pipecat-ai"),
        "voicegraph": importlib.metadata.version("voicegraph"),
        "note": "shared machine (2 cores, other engineers' jobs running): compare ratios, not absolutes",
    }


async def run(quick: bool, only: set[str]) -> dict[str, Any]:
    """Every selected workload, in order; each section carries its own elapsed time."""
    plan = QUICK if quick else FULL
    results: dict[str, Any] = {"meta": _meta(quick)}
    t_all = time.perf_counter()
    steps: dict[str, Callable[[], Any]] = {
        "latency": lambda: _latency(plan),
        "throughput": lambda: _throughput(plan),
        "realtime": lambda: asyncio.to_thread(_realtime, plan),
        "idle": lambda: asyncio.to_thread(_idle, plan),
        "interruption": lambda: _interruption(plan),
    }
    for name in WORKLOADS:
        if name not in only:
            continue
        t0 = time.perf_counter()
        try:
            results[name] = await asyncio.wait_for(steps[name](), STEP_TIMEOUT_S)
        except Exception as exc:  # a failed workload must not cost the other figures
            results[name] = {"error": repr(exc)}
        results["meta"][f"{name}_s"] = round(time.perf_counter() - t0, 1)
    results["meta"]["total_s"] = round(time.perf_counter() - t_all, 1)
    results["meta"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    results["targets"] = check_targets(results)
    return results


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run, print the JSON (and write it to --out)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--quick", action="store_true", help="small counts for CI smoke (< 60 s)")
    ap.add_argument("--out", type=Path, help="also write the JSON to this file")
    ap.add_argument("--only", default=",".join(WORKLOADS), help=f"comma-separated subset of {WORKLOADS}")
    args = ap.parse_args(argv)
    only = {w.strip() for w in args.only.split(",") if w.strip()}
    unknown = only - set(WORKLOADS)
    if unknown:
        ap.error(f"unknown workloads: {sorted(unknown)}")
    results = asyncio.run(run(args.quick, only))
    text = json.dumps(results, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
