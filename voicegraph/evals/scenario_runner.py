"""run_scenario: one YAML scenario as a conversation test, with its report."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from voicegraph.demo.caller_line import CallerLine
from voicegraph.evals.conversation_test import ConversationTest
from voicegraph.evals.expectations import ExpectationError
from voicegraph.evals.judge import Judge
from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from pathlib import Path

    from voicegraph.evals.expectations import Check
    from voicegraph.evals.scenario import Expectation, JudgeSpec, Scenario, TurnSpec
    from voicegraph.evals.turn_record import TurnRecord


@dataclass(slots=True)
class TurnReport:
    """One turn of a scenario: what was said and done, the checks, the timings."""

    user: str
    transcript: list[str]
    checks: list[Check]
    timings_ms: dict[str, float]
    failure: str = ""


@dataclass(slots=True)
class ScenarioReport:
    """A scenario's outcome: pass/fail, per-turn transcript and checks, wall time."""

    name: str
    turns: list[TurnReport] = field(default_factory=list)
    seconds: float = 0.0
    error: str = ""
    """A coded error that stopped the scenario (the graph did not build, the judge failed...)."""
    clock: str = ""
    """"virtual" or "real"."""

    @property
    def passed(self) -> bool:
        """No error and every turn's checks held."""
        return not self.error and all(not t.failure for t in self.turns)

    @property
    def failure(self) -> str:
        """The first failure's message ('' when passed)."""
        return self.error or next((t.failure for t in self.turns if t.failure), "")

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "name": self.name, "passed": self.passed, "seconds": round(self.seconds, 3), "clock": self.clock,
            "error": self.error,
            "turns": [
                {
                    "user": t.user, "transcript": t.transcript,
                    "timings_ms": {k: round(v, 1) for k, v in t.timings_ms.items()},
                    "checks": [{"name": c.name, "passed": c.passed, "detail": c.detail} for c in t.checks],
                    "failure": t.failure,
                }
                for t in self.turns
            ],
        }  # fmt: skip


def judge_of(spec: JudgeSpec | None) -> Judge:
    """The judge a scenario file names (its key from the environment), or the local model."""
    if spec is None:
        return Judge()
    key = os.environ.get(spec.api_key_env) if spec.api_key_env else None
    return Judge({"base_url": spec.base_url, "model": spec.model, "api_key": key})


async def run_scenario(scenario: Scenario, *, base_dir: Path, judge: Judge) -> ScenarioReport:
    """Run one scenario: every turn is said and checked, even after a failed check.

    A coded error (bad graph, engine missing, judge unreachable) ends the scenario and
    is its `error`; it is never raised.
    """
    report = ScenarioReport(name=scenario.name)
    t0 = time.perf_counter()
    try:
        await _run(scenario, base_dir, judge, report)
    except VoiceError as exc:
        report.error = str(exc)
    report.seconds = time.perf_counter() - t0
    return report


async def _run(scenario: Scenario, base_dir: Path, judge: Judge, report: ScenarioReport) -> None:
    from voicegraph.graphs.voice_agent import VoiceAgentOptions

    graph = str(base_dir / scenario.graph) if scenario.graph else None
    try:
        options = VoiceAgentOptions(**scenario.options) if scenario.options else None
    except TypeError as exc:
        raise VoiceError(
            ErrorCode.INVALID_CONFIG, f"scenario {scenario.name!r}: bad options: {exc}"
        ) from None
    conv = ConversationTest(
        graph,
        options=options,
        audio=scenario.audio,
        clock=scenario.clock,
        reply_timeout_s=scenario.reply_timeout_s,
    )
    report.clock = "virtual" if conv.virtual else "real"
    async with conv:
        if scenario.audio:
            lines = [CallerLine(t.say, barge_in_s=t.barge_in_s, pause_s=t.pause_s) for t in scenario.turns]
            turns = await conv.converse(lines)
            for i, spec in enumerate(scenario.turns):
                report.turns.append(await _check(spec, turns[i] if i < len(turns) else None, judge))
            return
        for spec in scenario.turns:
            report.turns.append(await _check(spec, await conv.user_says(spec.say), judge))


async def _check(spec: TurnSpec, turn: TurnRecord | None, judge: Judge) -> TurnReport:
    if turn is None:
        return TurnReport(
            spec.say, [f"user: {spec.say}"], [], {}, failure=f"no agent request for {spec.say!r}"
        )
    out = TurnReport(spec.say, turn.transcript(), turn.expect.checks, dict(turn.timings_ms))
    try:
        for item in spec.expect:
            await _apply(item, turn, judge)
    except ExpectationError as exc:
        out.failure = str(exc).splitlines()[0]
    return out


async def _apply(item: Expectation, turn: TurnRecord, judge: Judge) -> None:
    expect = turn.expect
    if item.said is not None:
        expect.said(item.said)
    elif item.called_tool is not None:
        tool = item.called_tool
        if isinstance(tool, str):
            expect.called_tool(tool)
        else:
            expect.called_tool(tool.name, **tool.args)
    elif item.interrupted:
        expect.interrupted()
    elif item.ended_call:
        expect.ended_call()
    elif item.transferred is not None:
        expect.transferred(None if item.transferred is True else item.transferred)
    elif item.within is not None:
        expect.within(**item.within)
    elif item.judged is not None:
        await expect.judged(item.judged, judge=judge)
