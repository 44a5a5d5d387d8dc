"""`voicegraph providers`: each backend with its capabilities, and why one cannot load."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.backends.server_process import ROOT


def _providers(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voicegraph.cli", "providers", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_json_lists_every_backend_with_capabilities() -> None:
    out = _providers("--json")
    assert out.returncode == 0, out.stderr
    backends = json.loads(out.stdout)["backends"]
    assert {"memory", "websocket", "twilio", "webrtc", "livekit"} <= set(backends)
    assert backends["twilio"]["capabilities"]["codecs"] == ["mulaw"]
    assert backends["livekit"]["capabilities"]["persistence"] is False


def test_text_names_capabilities_per_backend() -> None:
    out = _providers()
    assert out.returncode == 0, out.stderr
    line = next(ln for ln in out.stdout.splitlines() if ln.strip().startswith("twilio "))
    assert "multi_user" in line and "codecs mulaw" in line
