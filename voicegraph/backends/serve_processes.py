"""Run N copies of a command as child processes: forward SIGTERM/SIGINT, reap, sum up."""

from __future__ import annotations

import signal
import subprocess
import time
from typing import Any


def exit_status(codes: list[int]) -> int:
    """0 when every child exited 0; else the first failure (a child killed by signal N: 128 + N)."""
    for code in codes:
        if code != 0:
            return 128 - code if code < 0 else code
    return 0


def run_children(cmd: list[str], count: int, env: dict[str, str] | None = None) -> int:
    """Start `count` children running `cmd`; forward termination signals to them.

    Every child is polled, not waited on in turn: a killed child is reaped at once, so its
    pid stops looking alive (other workers may then resume its sessions).

    Returns:
        `exit_status` of the children's exit codes.
    """
    procs = [subprocess.Popen(cmd, env=env) for _ in range(count)]

    def forward(sig: int, _frame: Any) -> None:
        for p in procs:
            if p.poll() is None:
                p.send_signal(sig)

    before = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while any(p.poll() is None for p in procs):
            time.sleep(0.2)
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
    return exit_status([p.returncode for p in procs])
