"""`voicegraph test`: the stock agent's scenarios pass; failures exit 1 with JUnit and JSON reports;
a bad file is one line with its error code."""

from __future__ import annotations

import contextlib
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from voicegraph.cli import main

HERE = Path(__file__).parent
STOCK = HERE / "stock_agent.yaml"
FAILING = """
scenarios:
  - name: wrong name
    options: {agent: scripted, agent_params: {rules: [[name, My name is Vee.]]}}
    turns:
      - say: What is your name?
        expect: [{said: Bob}]
      - say: What is your name again?
        expect: [{said: Vee}]
  - name: right name
    options: {agent: scripted, agent_params: {rules: [[name, My name is Vee.]]}}
    turns:
      - say: What is your name?
        expect: [{said: Vee}, {within: {reply_ms: 100}}]
"""


def run(tmp: Path, scenarios: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["test", str(scenarios), "--junit", str(tmp / "out.xml"), "--report", str(tmp / "out.json")])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def stock(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, dict[str, Any], ET.Element]:
    tmp = tmp_path_factory.mktemp("stock")
    buf = io.StringIO()  # module scope: capsys is per test
    with contextlib.redirect_stdout(buf):
        code = main(["test", str(STOCK), "--junit", str(tmp / "out.xml"), "--report", str(tmp / "out.json")])
    report = json.loads((tmp / "out.json").read_text())
    return code, buf.getvalue(), report, ET.parse(tmp / "out.xml").getroot()


def test_the_stock_agent_scenarios_pass(stock: tuple[int, str, dict[str, Any], ET.Element]) -> None:
    code, out, report, _ = stock
    assert code == 0, out
    assert [s["passed"] for s in report["scenarios"]] == [True, True, True]
    assert out.rstrip().endswith("3 passed, 0 failed")


def test_typed_scenarios_with_the_scripted_agent_run_on_the_virtual_clock(
    stock: tuple[int, str, dict[str, Any], ET.Element],
) -> None:
    clocks = {s["name"]: s["clock"] for s in stock[2]["scenarios"]}
    assert clocks == {
        "scripted agent answers each typed turn": "virtual",
        "local model answers a plain question": "real",
        "spoken call with a barge-in": "real",
    }
    first = stock[2]["scenarios"][0]["turns"][0]
    assert first["timings_ms"] == {"first_text_ms": 400.0, "reply_ms": 800.0}


def test_the_spoken_call_was_cut_by_the_barge_in_and_heard_by_the_stt(
    stock: tuple[int, str, dict[str, Any], ET.Element],
) -> None:
    call = stock[2]["scenarios"][2]
    assert call["turns"][0]["transcript"][-1] == "agent interrupted"
    assert "biggest" in call["turns"][1]["transcript"][0].lower(), "Whisper heard the second line"
    assert "first_audio_ms" in call["turns"][1]["timings_ms"]


def test_the_junit_report_has_one_passing_case_per_scenario(
    stock: tuple[int, str, dict[str, Any], ET.Element],
) -> None:
    suite = stock[3]
    assert (suite.tag, suite.get("tests"), suite.get("failures"), suite.get("errors")) == (
        "testsuite",
        "3",
        "0",
        "0",
    )
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [s["name"] for s in stock[2]["scenarios"]]
    assert all(c.find("failure") is None and "PASS" in (c.findtext("system-out") or "") for c in cases)


def test_a_failed_expectation_fails_its_scenario_and_the_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "failing.yaml"
    path.write_text(FAILING)
    code, out, _ = run(tmp_path, path, capsys)
    assert code == 1
    assert "FAIL wrong name" in out and "PASS right name" in out and "1 passed, 1 failed" in out
    report = json.loads((tmp_path / "out.json").read_text())
    wrong = report["scenarios"][0]
    assert [bool(t["failure"]) for t in wrong["turns"]] == [True, False], "later turns still run"
    suite = ET.parse(tmp_path / "out.xml").getroot()
    failure = suite.find("testcase/failure")
    assert failure is not None and "said /Bob/" in (failure.get("message") or "")
    assert suite.get("failures") == "1"


@pytest.mark.parametrize(
    ("text", "code", "where"),
    [
        (
            "scenarios: [{name: x, turns: [{say: hi, expect: [{said: a, judged: b}]}]}]",
            "invalid_config",
            "expect.0",
        ),
        ("scenarios: [{name: x, turns: []}]", "invalid_config", "turns"),
        ("scenarios: [{name: x, color: red, turns: [{say: hi}]}]", "invalid_config", "color"),
        ("scenarios: [name: x\n  - : :", "invalid_input", "not valid YAML"),
    ],
)
def test_a_bad_scenario_file_is_one_line_with_its_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, code: str, where: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    exit_code, out, err = run(tmp_path, path, capsys)
    assert exit_code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert f"[{code}]" in err and where in err


def test_a_missing_file_is_one_line_with_its_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exit_code, _, err = run(tmp_path, tmp_path / "nope.yaml", capsys)
    assert exit_code == 2 and err.count("\n") == 1 and "[invalid_input]" in err


def test_a_scenario_whose_graph_cannot_be_built_is_an_error_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("scenarios: [{name: x, options: {agent: nonsense}, turns: [{say: hi}]}]")
    exit_code, out, _ = run(tmp_path, path, capsys)
    assert exit_code == 1 and "error: [invalid_config]" in out
    assert ET.parse(tmp_path / "out.xml").getroot().get("errors") == "1"
