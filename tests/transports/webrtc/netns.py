"""Run a scenario module inside a fresh, loopback-only network namespace.

Why a namespace: aiortc's ICE (aioice) gathers host candidates on every interface
except the exact address 127.0.0.1, and neither aiortc nor aioice can be told which
addresses to use. On a machine with an external interface, a call between two local
peers would therefore send its checks and media to that interface's address. Headless
Chromium likewise offers every interface. Inside `unshare --net` the only interface is
`lo`; the helper brings it up and adds 127.0.0.2 (on the namespace's own `lo`), which
aioice does gather. Every packet of the scenario then stays on 127.0.0.0/8 of a
namespace that disappears with the process, whatever the host's interfaces are.

The scenario runs as `python -m <module> [args]` from the repository root and prints
one JSON object as its last line of stdout: that object is the result.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
_SETUP = 'ip link set lo up && ip addr add 127.0.0.2/8 dev lo && exec "$0" "$@"'


def run_in_loopback_netns(module: str, *args: str, timeout: float = 120.0) -> dict[str, Any]:
    """Run `python -m module args` in a loopback-only network namespace; its JSON result.

    Raises:
        AssertionError: the scenario failed or printed no JSON (its output is attached).
    """
    cmd = ["unshare", "--net", "--", "sh", "-c", _SETUP, sys.executable, "-m", module, *args]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        out, err = proc.stdout[-4000:], proc.stderr[-4000:]
        raise AssertionError(f"{module} exited {proc.returncode}\nstdout:\n{out}\nstderr:\n{err}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result
