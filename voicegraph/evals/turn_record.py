"""TurnRecord: what happened in one turn of a conversation test, in order, with its timings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from voicegraph.evals.expectations import TurnExpectations

EventKind = Literal["said", "tool", "interrupted", "end_call", "transfer"]

TIMINGS = ("first_text_ms", "reply_ms", "first_audio_ms")
"""Latency figures a turn may carry, in ms on the graph clock:
`first_text_ms` (turn end or end of speech to the agent's first text), `reply_ms` (to
the end of the agent's reply) and `first_audio_ms` (end of speech to the first bot
audio played; audio conversations only)."""


@dataclass(slots=True)
class TurnEvent:
    """One thing the agent did: said some text, called a tool, was cut, hung up, transferred."""

    kind: EventKind
    text: str = ""
    """What was said (`said`), the reason (`end_call`, `transfer`)."""
    name: str = ""
    """The tool's name (`tool`), or the transfer target (`transfer`)."""
    args: dict[str, Any] = field(default_factory=dict)
    """The tool call's arguments (`tool`)."""

    def describe(self) -> str:
        """One line for reports."""
        if self.kind == "said":
            return f"said {self.text.strip()!r}"
        if self.kind == "tool":
            return f"called {self.name}({', '.join(f'{k}={v!r}' for k, v in self.args.items())})"
        if self.kind == "transfer":
            return f"transferred to {self.name!r}"
        return self.kind.replace("_", " ")


@dataclass(slots=True)
class TurnRecord:
    """One user turn and the agent's answer to it.

    `events` are in the order they happened; `timings_ms` holds the figures of
    `TIMINGS` that were measured. `expect` checks them (see `TurnExpectations`).
    """

    index: int
    user_text: str
    """What the user said (as typed; in audio conversations as the STT heard it)."""
    events: list[TurnEvent] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    heard_text: str | None = None
    """The reply as far as it played (audio conversations; None: no report)."""
    errors: list[str] = field(default_factory=list)
    """Errors the graph reported during the turn (an agent that failed), or no reply in time."""
    """The reply as far as it played (audio conversations; None: no report)."""
    _expect: TurnExpectations | None = None

    @property
    def said(self) -> str:
        """Everything the agent said in this turn, joined."""
        return "".join(e.text for e in self.events if e.kind == "said").strip()

    @property
    def expect(self) -> TurnExpectations:
        """The expectations on this turn (one cursor, so checks go in order)."""
        if self._expect is None:
            from voicegraph.evals.expectations import TurnExpectations

            self._expect = TurnExpectations(self)
        return self._expect

    def add_text(self, text: str) -> None:
        """Append agent text: to the last `said` event when nothing happened in between."""
        if self.events and self.events[-1].kind == "said":
            self.events[-1].text += text
        else:
            self.events.append(TurnEvent("said", text=text))

    def transcript(self) -> list[str]:
        """The turn as lines: the user's words, then each event."""
        lines = [f"user: {self.user_text}", *(f"agent {e.describe()}" for e in self.events)]
        return lines + [f"error: {e}" for e in self.errors]
