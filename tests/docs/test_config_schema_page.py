"""docs/config_schema.md is what `voicegraph.backends.config_schema` renders from ServeConfig today."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from voicegraph.backends.config import LimitsConfig
from voicegraph.backends.config_schema import attribute_docstrings, models, render

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "config_schema.md"
REGENERATE = "python -m voicegraph.backends.config_schema --write docs/config_schema.md"


def test_page_is_up_to_date_with_the_model() -> None:
    assert PAGE.read_text() == render(), f"docs/config_schema.md is out of date: run `{REGENERATE}`"


def test_every_field_of_every_section_is_on_the_page() -> None:
    page = render()
    for name, model in models().items():
        body = page.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
        for field, info in model.model_fields.items():
            if not info.exclude:
                assert re.search(rf"^\| `{re.escape(field)}` \|", body, re.M), f"{name}.{field}"


def test_attribute_docstrings_become_descriptions() -> None:
    docs = attribute_docstrings(LimitsConfig)
    assert "4408" in docs["graph_start_timeout_s"]
    assert docs["graph_start_timeout_s"].split()[0] in render()


def test_every_provider_with_options_has_a_table() -> None:
    page = render()
    for provider in ("memory", "websocket", "twilio", "webrtc", "livekit", "daily", "pipecat"):
        assert f"\n### {provider}\n\n| Option |" in page, provider


def test_the_command_writes_the_page(tmp_path: Path) -> None:
    out = tmp_path / "config_schema.md"
    done = subprocess.run(
        [sys.executable, "-m", "voicegraph.backends.config_schema", "--write", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_text() == PAGE.read_text()
