"""Worker processes sharing one stdout: every JSON event line arrives whole, and a failed
or killed child makes the parent's exit status non-zero."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from voicegraph.backends.serve_processes import exit_status, run_children

ROOT = Path(__file__).resolve().parents[2]

# Each child prints its events as fast as it can; the parent starts them together.
_CHATTY = """
import sys
from voicegraph.backends.serve_events import print_event
for i in range(int(sys.argv[1])):
    print_event({"event": "tick", "pid": sys.argv[2], "i": i, "pad": "x" * 200})
"""


def test_events_from_children_sharing_stdout_never_interleave() -> None:
    lines = 3000
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}  # as on the CI machine
    cmd = [sys.executable, "-c", _CHATTY, str(lines)]
    r, w = os.pipe()
    procs = [subprocess.Popen([*cmd, str(n)], stdout=w, env=env) for n in range(2)]
    os.close(w)
    with os.fdopen(r, encoding="utf-8") as out:
        received = out.read().splitlines()
    assert [p.wait(60) for p in procs] == [0, 0]
    events = [json.loads(line) for line in received]  # a `{...}{...}` line fails here
    assert len(events) == 2 * lines


def test_exit_status_is_zero_only_when_every_child_exited_zero() -> None:
    assert exit_status([0, 0, 0]) == 0
    assert exit_status([0, 2, 1]) == 2
    assert exit_status([0, -signal.SIGKILL]) == 128 + signal.SIGKILL  # max() would say 0
    assert exit_status([]) == 0


def test_run_children_reports_a_killed_child() -> None:
    handler = signal.getsignal(signal.SIGTERM)
    killed = [sys.executable, "-c", "import os; os.kill(os.getpid(), 9)"]
    assert run_children(killed, 1) == 128 + signal.SIGKILL
    assert run_children([sys.executable, "-c", "pass"], 2) == 0
    assert signal.getsignal(signal.SIGTERM) is handler  # the caller's handlers are back
