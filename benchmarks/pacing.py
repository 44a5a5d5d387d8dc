"""Pacing timers: K loops on a 20 ms grid, one loop timer each against the process's one.

Each of K tasks wakes at absolute deadlines (start + n * 20 ms, phases spread over one
period, as calls are), the way a session's playout loop does, through
`MonotonicClock(shared=False)` (an `asyncio.sleep` per wake-up, the old way) or
`MonotonicClock()` (the process's `PacingTimer`). The two run alternately in fresh
interpreters, `--rounds` times each. Reported per run: CPU per wake-up, the core
fraction, the wake-up lateness p50/p99/max (when the task ran minus its deadline), and
the loop timer callbacks per second.

Usage: `python -m benchmarks.pacing [--ks 200,500,1000] [--seconds 20] [--rounds 2]`.
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

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from voicegraph.demo.latency_table import percentile
from voicegraph.framework.clock import MonotonicClock
from voicegraph.framework.pacing_timer import pacing_timer

PERIOD_NS = 20_000_000
ROOT = Path(__file__).resolve().parent.parent


async def _loop(clock: MonotonicClock, first_ns: int, stop_ns: int, late: list[int]) -> None:
    deadline = first_ns
    while deadline < stop_ns:
        await clock.sleep_until(deadline)
        late.append(time.monotonic_ns() - deadline)
        deadline += PERIOD_NS


async def run(k: int, seconds: float, shared: bool) -> dict[str, Any]:
    """K pacing loops for `seconds`; figures for the window."""
    clock = MonotonicClock(shared=shared)
    late: list[int] = []
    t0 = time.monotonic_ns() + 100_000_000
    stop = t0 + int(seconds * 1e9)
    timer = pacing_timer()
    w0 = timer.wakeups
    cpu0, wall0 = time.process_time(), time.monotonic_ns()
    await asyncio.gather(*(_loop(clock, t0 + i * PERIOD_NS // k, stop, late) for i in range(k)))
    cpu, wall = time.process_time() - cpu0, (time.monotonic_ns() - wall0) / 1e9
    ms = [v / 1e6 for v in late]
    return {
        "pacing": "shared" if shared else "per-sleeper",
        "k": k,
        "wakeups": len(late),
        "cpu_per_wakeup_us": round(cpu / max(1, len(late)) * 1e6, 2),
        "cpu_core_fraction": round(cpu / wall, 3),
        "late_p50_ms": round(percentile(ms, 50), 3),
        "late_p99_ms": round(percentile(ms, 99), 3),
        "late_max_ms": round(max(ms), 3),
        "timer_callbacks_per_s": round((timer.wakeups - w0) / wall) if shared else None,
    }


def main(argv: list[str] | None = None) -> None:
    """Alternate the two ways per K in fresh interpreters; print one JSON object."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ks", default="200,500,1000")
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        k, seconds, shared = args.child
        print(json.dumps(asyncio.run(run(int(k), float(seconds), shared == "1"))))
        return
    runs: list[dict[str, Any]] = []
    for k in (int(v) for v in args.ks.split(",")):
        for _ in range(args.rounds):
            for shared in ("0", "1"):
                child = ["--child", str(k), str(args.seconds), shared]
                cmd = [sys.executable, "-m", "benchmarks.pacing", *child]
                env = {**os.environ, "PYTHONPATH": str(ROOT)}
                out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, check=True)
                row: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
                row["load_before"] = [round(v, 2) for v in os.getloadavg()]
                runs.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
    text = json.dumps({"benchmark": "pacing", "cpus": os.cpu_count(), "seconds": args.seconds,
                       "runs": runs}, indent=1)  # fmt: skip
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
