"""docs/serving.md: every code block runs (each `voicegraph` line, from the repo root)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys

import pytest

from .server_process import ROOT
from .test_serve_cold import LIVEKIT_ENV

pytestmark = [pytest.mark.slow]

DOC = ROOT / "docs" / "serving.md"
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", DOC.read_text(), re.S)


def test_every_block_is_a_shell_block() -> None:
    assert BLOCKS and all(lang == "bash" for lang, _ in BLOCKS)


@pytest.mark.parametrize(
    "line", [ln for _, b in BLOCKS for ln in b.splitlines() if ln.startswith("voicegraph ")]
)
def test_command_in_the_doc_exits_0(line: str) -> None:
    args = shlex.split(line)[1:]
    env = {**os.environ, "PYTHONPATH": str(ROOT), **LIVEKIT_ENV}
    result = subprocess.run(
        [sys.executable, "-m", "voicegraph.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
