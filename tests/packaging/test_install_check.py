"""The wheel and the sdist carry the package data a user's install needs.

Runs `scripts/install_check.sh --artifacts-only` (build both with `python -m build`,
check the YAML graphs and serve configs, the WebRTC page and script and `py.typed` are in
each). The whole install check (a fresh venv with `voicegraph[local]`, `voicegraph
doctor`, a one-turn `voicegraph run` from outside the repo) is `make install-check`, a
step of `.ci/run`: it takes minutes, too long for the test suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "install_check.sh"


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    env = {**os.environ, "PYTHON": sys.executable, "DIST": str(out)}
    done = subprocess.run(
        ["bash", str(SCRIPT), "--artifacts-only"],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "package data present in both" in done.stdout
    return out


@pytest.mark.slow
def test_the_wheel_holds_the_stock_graph_and_the_web_page(dist: Path) -> None:
    (wheel,) = dist.glob("voicegraph-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"voicegraph/graphs/voice_agent.yaml", "voicegraph/transports/webrtc/static/index.html"} <= names


@pytest.mark.slow
def test_the_wheel_declares_the_command_and_the_node_entry_points(dist: Path) -> None:
    (wheel,) = dist.glob("voicegraph-*.whl")
    with zipfile.ZipFile(wheel) as z:
        (entry_points,) = [n for n in z.namelist() if n.endswith(".dist-info/entry_points.txt")]
        text = z.read(entry_points).decode()
    assert "voicegraph = voicegraph.cli:main" in text
    assert "[voicegraph.processors]" in text
    assert "[voicegraph.backends]" in text


@pytest.mark.slow
def test_a_missing_data_file_fails_the_check(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHON": sys.executable,
        "DIST": str(tmp_path),
        "EXTRA_DATA": "voicegraph/no_such.yaml",
    }
    done = subprocess.run(
        ["bash", str(SCRIPT), "--artifacts-only"],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode != 0
    assert "lacks voicegraph/no_such.yaml" in done.stderr
