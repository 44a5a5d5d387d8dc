"""The Python examples of README.md and docs/runtime_api.md run as written.

Each example is run on its own, as a reader would run it after copying it into a file
(a fresh interpreter, warnings as errors), and must print exactly the text block the
page shows under it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = (
    "README.md",
    "docs/runtime_api.md",
    "docs/providers/vocode.md",
    "docs/providers/daily.md",
    "docs/providers/vapi.md",
    "docs/deepgram.md",
    "docs/cloud_engines.md",
    "docs/providers/pipecat.md",
    "docs/fallback.md",
    "docs/pipecat_services.md",
    "docs/scaling.md",
    "docs/evals.md",
    "docs/index.md",
    "docs/concepts.md",
    "docs/websocket_protocol.md",
    "docs/custom_nodes.md",
    "docs/backend_api.md",
    "docs/webrtc.md",
    "docs/turn_taking.md",
    "docs/faults.md",
    "docs/reliability.md",
    "docs/security.md",
    "docs/barge_in.md",
)
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.M | re.S)


def examples(page: str) -> list[tuple[str, str | None]]:
    """(code, printed output) of each Python block of `page`.

    The output is the first `text` block after the code, before the next Python block.
    """
    blocks = [(m.group(1), m.group(2)) for m in _FENCE.finditer((ROOT / page).read_text())]
    found: list[tuple[str, str | None]] = []
    for i, (lang, body) in enumerate(blocks):
        if lang != "python":
            continue
        expected = None
        for later_lang, later_body in blocks[i + 1 :]:
            if later_lang == "python":
                break
            if later_lang == "text":
                expected = later_body
                break
        found.append((body, expected))
    return found


CASES = [pytest.param(page, i, id=f"{page}#{i + 1}") for page in PAGES for i in range(len(examples(page)))]


@pytest.mark.parametrize(("page", "index"), CASES)
def test_example_runs_and_prints_what_the_page_shows(page: str, index: int, tmp_path: Path) -> None:
    code, expected = examples(page)[index]
    assert expected is not None, f"{page}, example {index + 1}: no text block shows its output"
    script = tmp_path / "example.py"
    script.write_text(code)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-W", "error", str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected


def test_every_page_has_its_examples() -> None:
    assert len(examples("README.md")) >= 1
    assert len(examples("docs/runtime_api.md")) >= 5


def test_readme_make_targets_exist() -> None:
    makefile = (ROOT / "Makefile").read_text()
    for target in ("demo", "test", "test-fast"):
        assert re.search(rf"^{re.escape(target)}:", makefile, re.M), target


def test_examples_are_lint_clean_and_typed(tmp_path: Path) -> None:
    """A reader copies these into a project with our rules: ruff and mypy --strict pass."""
    for page in PAGES:
        for i, (code, _) in enumerate(examples(page)):
            (tmp_path / f"{Path(page).stem.lower()}_{i + 1}.py").write_text(code)
    files = sorted(str(p) for p in tmp_path.glob("*.py"))
    config = str(ROOT / "pyproject.toml")
    env = {**os.environ, "MYPYPATH": str(ROOT)}
    for tool in (
        ["ruff", "check", "--config", config],
        ["ruff", "format", "--check", "--config", config],
        ["mypy", "--strict", "--config-file", config, "--cache-dir", os.devnull],
    ):
        done = subprocess.run(
            [sys.executable, "-m", *tool, *files],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
