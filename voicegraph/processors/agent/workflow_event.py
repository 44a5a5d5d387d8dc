"""WorkflowEvent: a voice event (turn ended, tool called, user silent, call ended) for user workflows."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from voicegraph.framework.frames.base import DataFrame


class VoiceEvent(enum.StrEnum):
    """The kinds of events that start workflows."""

    TURN_ENDED = "turn_ended"
    TOOL_CALLED = "tool_called"
    USER_SILENT = "user_silent"
    CALL_ENDED = "call_ended"


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkflowEvent:
    """What happened, in plain data (JSON-ready via `as_dict`), for a workflow to act on."""

    kind: VoiceEvent
    session_id: str = ""
    seq: int = 0
    """Per-session sequence number: with `session_id` and `kind`, an idempotency key."""
    at_ns: int = 0
    """Graph clock time of the event."""
    text: str = ""
    """turn_ended: the user's words in the turn."""
    tool: dict[str, Any] = field(default_factory=dict)
    """tool_called: `{"id", "name", "arguments", "result", "error"}`."""
    silent_s: float = 0.0
    """user_silent: how long the user has been silent."""
    reason: str = ""
    """call_ended: `end` (drained), `end_call` (a tool hung up) or `cancelled` (client lost)."""
    messages: tuple[dict[str, Any], ...] = ()
    """The conversation so far, when the trigger has a context (turn_ended, call_ended)."""

    @property
    def key(self) -> str:
        """`<session_id>:<kind>:<seq>`, stable across retries: use it as a workflow id."""
        return f"{self.session_id}:{self.kind}:{self.seq}"

    def as_dict(self) -> dict[str, Any]:
        """The event as JSON-ready data (for an orchestration engine or a webhook)."""
        data = asdict(self)
        data["kind"] = str(self.kind)
        data["messages"] = list(self.messages)
        data["key"] = self.key
        return data


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkflowEventFrame(DataFrame):
    """Carries a `WorkflowEvent` into a workflow's own graph (see `GraphWorkflow`)."""

    event: WorkflowEvent


Workflow = Callable[[WorkflowEvent], Awaitable[Any]]
"""A user workflow: an async callable taking the event. If it returns a sequence of frames
(`Sequence[Frame]`), the trigger sends them into the call; any other result is ignored."""
