"""docs/benchmarks.md, "Real-time tails": its figures are those of its results files, and its
`gc:` YAML loads as a serve config section."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from voicegraph.backends.config import load_config

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "benchmarks.md"
RESULTS = ROOT / "benchmarks" / "results"


def _section() -> str:
    text = PAGE.read_text()
    start = text.index("## Real-time tails")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else len(text)]


def _runs(name: str) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = json.loads((RESULTS / name).read_text())["runs"]
    return runs


def test_the_section_quotes_every_p99_of_its_runs() -> None:
    section = _section()
    for name in ("realtime-tails.json", "realtime-tails-bare.json"):
        for run in _runs(name):
            assert str(run["lateness_p99_ms"]) in section, (name, run["variant"], run["policy"], run["k"])


def test_the_section_quotes_the_soak_verdict_with_the_policy_on() -> None:
    soak = json.loads((RESULTS / "soak_gc_server.json").read_text())
    rss = soak["verdict"]["rss_mib"]
    assert str(rss["slope_per_1000"]) in _section()


def test_the_gc_yaml_of_the_section_loads() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", _section(), re.S)
    assert blocks
    for block in blocks:
        data = yaml.safe_load(block)
        config = load_config(
            {"graph": {"name": "echo", "nodes": [{"id": "a", "type": "echo_agent"}]}, **data}
        )
        assert config.gc.model_dump() == {**config.gc.model_dump(), **data["gc"]}
