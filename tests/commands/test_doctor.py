"""`voicegraph doctor`: installed packages, and which processors and providers load here."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.backends.server_process import ROOT
from voicegraph.commands.doctor import diagnose


def test_the_report_lists_packages_processors_and_providers() -> None:
    report = diagnose()
    assert report["packages"]["redis"] is not None
    assert report["binaries"]["redis-server"]
    assert report["backends"]["websocket"]["status"] == "ok"
    assert report["backends"]["twilio"]["capabilities"]["codecs"] == ["mulaw"]
    assert report["processors"]["echo_agent"]["status"] == "ok"


def test_deep_mode_creates_processors_and_names_failures() -> None:
    report = diagnose(deep=True)
    assert report["processors"]["gain"]["status"] == "ok"
    assert report["processors"]["espeak_tts"]["status"] == "ok"
    assert report["processors"]["resampler"]["status"] == "needs params: to_rate"
    assert report["processors"]["wav_recorder"]["status"] == "needs params: path"


def test_the_command_prints_json() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "voicegraph.cli", "doctor", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["backends"]["memory"]["status"] == "ok"
