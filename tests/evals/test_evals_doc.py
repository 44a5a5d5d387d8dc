"""The scenario file shown in docs/evals.md is valid, and its typed scenario passes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from voicegraph.evals.scenario import load_scenarios
from voicegraph.evals.scenario_runner import judge_of, run_scenario

pytestmark = pytest.mark.anyio
PAGE = Path(__file__).resolve().parents[2] / "docs" / "evals.md"


def yaml_blocks() -> list[str]:
    return re.findall(r"^```yaml\n(.*?)^```$", PAGE.read_text(), re.M | re.S)


async def test_the_pages_scenario_file_loads_and_its_typed_scenario_passes(tmp_path: Path) -> None:
    (block,) = yaml_blocks()
    path = tmp_path / "scenarios.yaml"
    path.write_text(block)
    spec = load_scenarios(path)
    assert [s.audio for s in spec.scenarios] == [False, True]
    assert spec.judge is not None and spec.judge.api_key_env == "JUDGE_API_KEY"
    report = await run_scenario(spec.scenarios[0], base_dir=tmp_path, judge=judge_of(spec.judge))
    assert report.passed, report.failure
    assert report.clock == "virtual"
    assert [c.name for t in report.turns for c in t.checks] == [
        r"said /\bVee\b/",
        "within first_text_ms<=300",
        "said /sunny/",
    ]
