"""The separate vocode environment (scripts/vocode_env.sh) and its client scripts, for tests.

vocode 0.1.113 pins pydantic, websockets 12, numpy 1.26 and more that clash with
voicegraph's venv, so the real package runs in its own venv (scripts/vocode_env.sh) and the tests drive it
as a subprocess: each script in `vocode_client/` prints one JSON object.
"""

from __future__ import annotations

import functools
import json
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[4]
CLIENTS = Path(__file__).with_name("vocode_client")
VERSION = "0.1.113"


@functools.cache
def vocode_python() -> str:
    """The vocode venv's python, installed on first use (idempotent, cached)."""
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "vocode_env.sh")], capture_output=True, text=True, timeout=900
    )
    if done.returncode != 0:
        raise RuntimeError(f"scripts/vocode_env.sh failed:\n{done.stderr[-2000:]}")
    return done.stdout.strip().splitlines()[-1]


def run_client(script: str, *args: str, timeout: float = 120.0) -> dict[str, Any]:
    """Run `vocode_client/<script>` in the vocode venv; its JSON summary."""
    done = subprocess.run(
        [vocode_python(), str(CLIENTS / script), *args], capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"{script} exited {done.returncode}:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["stderr_tail"] = done.stderr[-1500:]
    return result
