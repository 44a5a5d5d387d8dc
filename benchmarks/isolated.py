"""Run one workload in a fresh Python process, bounded in time, and read back its JSON.

Used for the memory test (so frameworks cannot pollute each other's RSS) and for the
real-time runs (so leftover tasks of one run cannot load the next). The child prints one
JSON object and exits at once, skipping teardown.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _tasks() -> dict[str, Callable[..., Awaitable[dict[str, object]]]]:
    from benchmarks.idle import idle
    from benchmarks.realtime import realtime

    return {"idle": idle, "realtime": realtime}


def run_isolated(task: str, timeout_s: float, **kwargs: Any) -> dict[str, object]:
    """Run `task(**kwargs)` in a child process; an `error` entry if it fails or times out."""
    cmd = [sys.executable, "-m", "benchmarks.isolated", task, json.dumps(kwargs)]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout_s:.0f} s", **kwargs}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"error": f"exit {proc.returncode}: {proc.stderr.strip()[-400:]}", **kwargs}
    result: dict[str, object] = json.loads(lines[-1])
    return result


def main() -> None:
    """Child entry point: `python -m benchmarks.isolated TASK JSON_KWARGS`."""
    task, kwargs = sys.argv[1], json.loads(sys.argv[2])
    asyncio.run(_report(_tasks()[task](**kwargs)))


async def _report(work: Awaitable[dict[str, object]]) -> None:
    result = await work
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    # Exit from inside the loop: tearing down hundreds of graphs (or letting asyncio.run
    # cancel Pipecat's tasks one by one) is not part of any figure.
    os._exit(0)


if __name__ == "__main__":
    main()
