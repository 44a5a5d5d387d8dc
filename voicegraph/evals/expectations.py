"""TurnExpectations: checks on what the agent did in one turn, in the order it happened."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from voicegraph.evals.turn_record import TIMINGS
from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from voicegraph.evals.judge import Judge
    from voicegraph.evals.turn_record import EventKind, TurnEvent, TurnRecord


class ExpectationError(AssertionError):
    """An expectation did not hold; the message shows what the turn did instead."""


@dataclass(frozen=True, slots=True)
class Check:
    """One expectation checked, for reports."""

    name: str
    passed: bool
    detail: str = ""


class TurnExpectations:
    """Ordered expectations over a `TurnRecord`'s events.

    `said`, `called_tool`, `interrupted`, `ended_call` and `transferred` each look for
    the next matching event after the one the previous check matched, so
    `expect.called_tool("get_weather").said("sunny")` means the tool call came first.
    `within` and `judged` look at the whole turn. Each method returns `self` (chain them)
    and raises `ExpectationError` (an `AssertionError`) when the turn did not do it;
    `checks` lists every check made, passed or not.
    """

    def __init__(self, turn: TurnRecord) -> None:
        self.turn = turn
        self.checks: list[Check] = []
        self._cursor = 0
        self._offset = 0
        """Where in the cursor's event text a `said` match ended."""

    def said(self, pattern: str) -> TurnExpectations:
        """The agent said text matching `pattern` (a regex, case-insensitive, searched)."""
        regex = re.compile(pattern, re.IGNORECASE)
        name, events = f"said /{pattern}/", self.turn.events
        for i in range(self._cursor, len(events)):
            start = self._offset if i == self._cursor else 0
            m = regex.search(events[i].text, start) if events[i].kind == "said" else None
            if m is not None:  # a later `said` may match further on in the same text
                self._cursor, self._offset = i, max(m.end(), start + 1)
                self.checks.append(Check(name, True, repr(m.group(0))))
                return self
        self._fail(name, self._nothing())

    def called_tool(self, name: str, **args: Any) -> TurnExpectations:
        """The agent called tool `name`, with at least these arguments (equal values)."""
        shown = ", ".join(f"{k}={v!r}" for k, v in args.items())

        def match(e: TurnEvent) -> bool:
            return e.name == name and all(e.args.get(k, _MISSING) == v for k, v in args.items())

        return self._next(f"called_tool {name}({shown})", "tool", match)

    def interrupted(self) -> TurnExpectations:
        """The agent's reply was cut off (a barge-in)."""
        return self._next("interrupted", "interrupted", lambda e: True)

    def ended_call(self) -> TurnExpectations:
        """The agent hung up (`EndCallFrame`)."""
        return self._next("ended_call", "end_call", lambda e: True)

    def transferred(self, target: str | None = None) -> TurnExpectations:
        """The agent transferred the call (to `target`, when given)."""
        label = f"transferred to {target!r}" if target else "transferred"
        return self._next(label, "transfer", lambda e: target is None or e.name == target)

    def within(self, **budgets_ms: float) -> TurnExpectations:
        """Each named latency figure (`first_text_ms`, `reply_ms`, `first_audio_ms`) is at
        most its budget; a figure this conversation did not measure fails.

        Raises:
            VoiceError: (invalid_input) an unknown figure name.
            ExpectationError: a figure over budget or not measured.
        """
        for key, budget in budgets_ms.items():
            if key not in TIMINGS:
                raise VoiceError(
                    ErrorCode.INVALID_INPUT, f"unknown latency {key!r} (known: {', '.join(TIMINGS)})"
                )
            value = self.turn.timings_ms.get(key)
            name = f"within {key}<={budget:g}"
            if value is None:
                self._fail(name, f"{key} was not measured in this conversation")
            elif value > budget:
                self._fail(name, f"{key} was {value:.0f} ms")
            else:
                self.checks.append(Check(name, True, f"{value:.0f} ms"))
        return self

    async def judged(self, criterion: str, *, judge: Judge | None = None) -> TurnExpectations:
        """A judge model agrees that what the agent said in this turn meets `criterion`.

        Args:
            criterion: a yes/no statement about the reply ("answers with a name").
            judge: the endpoint to ask; default: the local model (`Judge()`).
        """
        from voicegraph.evals.judge import Judge

        verdict = await (judge or Judge()).verdict(self.turn.said, criterion)
        name = f"judged {criterion!r}"
        if not verdict.passed:
            self._fail(name, f"the judge answered {verdict.answer!r}")
        self.checks.append(Check(name, True, verdict.answer))
        return self

    def _next(self, name: str, kind: EventKind, match: Any) -> TurnExpectations:
        events = self.turn.events
        for i in range(self._cursor, len(events)):
            if events[i].kind == kind and match(events[i]) and (i > self._cursor or not self._offset):
                self._cursor, self._offset = i + 1, 0
                self.checks.append(Check(name, True, events[i].describe()))
                return self
        self._fail(name, self._nothing())

    def _nothing(self) -> str:
        return "no such event " + (
            "after the previous expectation" if self._cursor or self._offset else "in this turn"
        )

    def _fail(self, name: str, why: str) -> NoReturn:
        self.checks.append(Check(name, False, why))
        lines = "\n  ".join(self.turn.transcript())
        raise ExpectationError(f"turn {self.turn.index}: expected {name}: {why}\n  {lines}")


_MISSING = object()
