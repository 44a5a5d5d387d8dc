"""Real-time tails: K real-time 10-node graphs for a long window, per GC policy, one JSON object.

Each (policy, K) runs `benchmarks.realtime` in a fresh interpreter, back to back, so the
policies see the same machine within minutes of each other; the `none` variant (the
driver alone, no framework) runs beside each K as the harness cost. Policies:

- `python`: Python's collector as it comes (`gc: {enabled: false}`);
- `server`: the serve default (`GcConfig()`: collect, freeze the start-up heap, thresholds);
- `t0/t1/t2`: freeze plus these thresholds (for tuning).

The policy is applied before the sessions are built, as `voicegraph serve` applies it
before the first call. Every collection is timed through `gc.callbacks`. The runtime's hot
path leaves almost nothing for the collector, so the driver models an application's own
state (`--retain-s`, default 1 s: a small GC-tracked record per delivered frame, kept in a
ring for that long, as a server keeps recent transcripts and metrics, then left as cyclic
garbage, as exceptions and closures leave theirs); `--retain-s 0` is the bare framework.

The drivers (the harness) pace on the process's one `PacingTimer`, as the framework's own
loops do; `--per-sleeper` gives each its own `asyncio.sleep` instead (the old harness).

Usage: `python -m benchmarks.realtime_tails [--ks 200,500] [--seconds 60] [--policies python,server]
[--per-sleeper] [--out benchmarks/results/realtime-tails.json]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: import `benchmarks` from the repo root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from benchmarks.realtime import realtime
from voicegraph.backends.gc_policy import GcConfig, apply_gc_policy

ROOT = Path(__file__).resolve().parent.parent


def policy_config(policy: str) -> GcConfig:
    """The `GcConfig` a policy name stands for."""
    if policy == "python":
        return GcConfig(enabled=False)
    if policy == "server":
        return GcConfig()
    t0, t1, t2 = (int(v) for v in policy.split("/"))
    return GcConfig(threshold0=t0, threshold1=t1, threshold2=t2)


class GcTimer:
    """Times every collection (via `gc.callbacks`) while installed."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []  # (generation, ms)
        self._t = 0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._t = time.perf_counter_ns()
        else:
            self.pauses.append((int(info["generation"]), (time.perf_counter_ns() - self._t) / 1e6))

    def summary(self) -> dict[str, Any]:
        """Counts and pause times per generation."""
        out: dict[str, Any] = {}
        for gen in (0, 1, 2):
            ms = [p for g, p in self.pauses if g == gen]
            out[f"gen{gen}"] = {"count": len(ms), "max_ms": round(max(ms), 2) if ms else 0.0,
                                "total_ms": round(sum(ms), 1)}  # fmt: skip
        out["gen2_pauses_ms"] = [round(p, 1) for g, p in self.pauses if g == 2]
        return out


async def _child(
    variant: str, k: int, seconds: float, policy: str, retain_s: float, shared: bool
) -> dict[str, Any]:
    applied = apply_gc_policy(policy_config(policy))
    timer = GcTimer()
    row = await realtime(
        variant, k, seconds, drain_s=5.0, gc_callback=timer, retain_s=retain_s, shared_timer=shared
    )
    return {"variant": variant, "policy": policy, "retain_s": retain_s, "applied": applied, **row,
            "gc": timer.summary()}  # fmt: skip


def _run_child(
    variant: str, k: int, seconds: float, policy: str, retain_s: float, shared: bool
) -> dict[str, Any]:
    child = [variant, str(k), str(seconds), policy, str(retain_s), "1" if shared else "0"]
    cmd = [sys.executable, "-m", "benchmarks.realtime_tails", "--child", *child]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=seconds * 3 + 120)
    if proc.returncode != 0:
        return {"variant": variant, "policy": policy, "k": k, "error": proc.stderr.strip()[-500:]}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def main(argv: list[str] | None = None) -> None:
    """Run every (K, policy) back to back and print one JSON object."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ks", default="200,500")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--policies", default="python,server")
    ap.add_argument("--no-harness", action="store_true", help="skip the `none` variant")
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    ap.add_argument(
        "--retain-s", type=float, default=1.0, help="per-frame app state kept this long (0: none)"
    )
    ap.add_argument(
        "--per-sleeper", action="store_true", help="drivers on an asyncio.sleep each, not the pacing timer"
    )
    ap.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        variant, k, seconds, policy, retain, shared = args.child
        child = _child(variant, int(k), float(seconds), policy, float(retain), shared == "1")
        print(json.dumps(asyncio.run(child)))
        return
    runs: list[dict[str, Any]] = []
    for k in (int(v) for v in args.ks.split(",")):
        plan = [("voicegraph", p) for p in args.policies.split(",")]
        if not args.no_harness:
            plan.insert(0, ("none", "server"))
        for variant, policy in plan:
            load = _load()
            row = _run_child(variant, k, args.seconds, policy, args.retain_s, not args.per_sleeper)
            row["load_before"] = load
            runs.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    out = {"benchmark": "realtime_tails", "python": sys.version.split()[0], "cpus": os.cpu_count(),
           "seconds": args.seconds, "runs": runs}  # fmt: skip
    text = json.dumps(out, indent=1)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
