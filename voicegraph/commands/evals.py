"""`voicegraph test SCENARIOS.yaml`: run conversation-test scenarios, print a report per scenario.

Exit codes: 0 every scenario passed, 1 one failed (or stopped on an error), 2 the
file could not be used (one line with its error code).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse

    from voicegraph.evals.scenario_runner import ScenarioReport


async def _run_all(path: Path, only: str | None) -> list[ScenarioReport]:
    from voicegraph.evals.scenario import load_scenarios
    from voicegraph.evals.scenario_report import format_report
    from voicegraph.evals.scenario_runner import judge_of, run_scenario

    spec = load_scenarios(path)
    judge = judge_of(spec.judge)
    reports = []
    for scenario in spec.scenarios:
        if only is not None and only not in scenario.name:
            continue
        report = await run_scenario(scenario, base_dir=path.parent, judge=judge)
        print(format_report(report), flush=True)
        reports.append(report)
    return reports


def _run(args: argparse.Namespace) -> int:
    from voicegraph.evals.scenario_report import junit_xml, summary, write_json
    from voicegraph.framework.errors import VoiceError

    path = Path(args.scenarios)
    try:
        reports = asyncio.run(_run_all(path, args.k))
    except VoiceError as err:
        print(f"voicegraph test: {err}", file=sys.stderr)
        return 2
    print(summary(reports))
    if args.junit:
        Path(args.junit).write_text(junit_xml(reports, suite=path.stem), encoding="utf-8")
    if args.report:
        write_json(reports, Path(args.report))
    return 0 if all(r.passed for r in reports) else 1


def add_parser(sub: Any) -> None:
    """Register `test`."""
    cmd = sub.add_parser("test", help="run conversation-test scenarios from a YAML file")
    cmd.add_argument("scenarios", help="the scenario file (YAML)")
    cmd.add_argument("--junit", metavar="OUT.xml", help="write a JUnit XML report")
    cmd.add_argument("--report", metavar="OUT.json", help="write a JSON report")
    cmd.add_argument("-k", metavar="TEXT", help="only scenarios whose name contains TEXT")
    cmd.set_defaults(fn=_run)
