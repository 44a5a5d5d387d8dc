"""Scenario reports as text (for the terminal), JSON and JUnit XML (for CI)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from voicegraph.evals.scenario_runner import ScenarioReport


def format_report(report: ScenarioReport) -> str:
    """A scenario as text: verdict, each turn's transcript, checks and timings."""
    turns = len(report.turns)
    verdict = "PASS" if report.passed else "FAIL"
    lines = [f"{verdict} {report.name} ({turns} turn{'s' * (turns != 1)}, {report.clock} clock)"]
    if report.error:
        lines.append(f"  error: {report.error}")
    for turn in report.turns:
        lines += [f"  {line}" for line in turn.transcript]
        lines += [f"    {'ok  ' if c.passed else 'FAIL'} {c.name}: {c.detail}" for c in turn.checks]
        if turn.timings_ms:
            lines.append("    timings: " + ", ".join(f"{k}={v:.0f}" for k, v in turn.timings_ms.items()))
    return "\n".join(lines)


def summary(reports: Sequence[ScenarioReport]) -> str:
    """`N passed, M failed`."""
    failed = sum(not r.passed for r in reports)
    return f"{len(reports) - failed} passed, {failed} failed"


def write_json(reports: Sequence[ScenarioReport], path: Path) -> None:
    """Every report as one JSON document: `{"passed": bool, "scenarios": [...]}`."""
    data = {"passed": all(r.passed for r in reports), "scenarios": [r.as_dict() for r in reports]}
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def junit_xml(reports: Sequence[ScenarioReport], *, suite: str) -> str:
    """A JUnit XML document: one `testcase` per scenario, `failure`/`error` with the first message,
    the transcript in `system-out`."""
    root = ET.Element(
        "testsuite", name=suite, tests=str(len(reports)),
        failures=str(sum(not r.passed and not r.error for r in reports)),
        errors=str(sum(bool(r.error) for r in reports)),
        time=f"{sum(r.seconds for r in reports):.3f}",
    )  # fmt: skip
    for report in reports:
        case = ET.SubElement(
            root, "testcase", classname=suite, name=report.name, time=f"{report.seconds:.3f}"
        )
        if report.error:
            ET.SubElement(case, "error", message=report.error).text = report.error
        elif not report.passed:
            ET.SubElement(case, "failure", message=report.failure).text = report.failure
        ET.SubElement(case, "system-out").text = format_report(report)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
