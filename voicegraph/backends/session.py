"""Session: the persisted record of one conversation (id, state, metadata, conversation)."""

from __future__ import annotations

import copy
import enum
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from voicegraph.framework.errors import ErrorCode, VoiceError


class SessionState(enum.StrEnum):
    """Lifecycle of a session record."""

    ACTIVE = "active"
    """A connection is (or was, before a crash) running this session's graph."""
    COMPLETED = "completed"
    """The session ended; the record stays only if the retention hook says so."""


def new_session_id() -> str:
    """An unguessable session id: 128 bits from the OS CSPRNG, URL-safe."""
    return secrets.token_urlsafe(16)


MAX_SESSION_ERRORS = 20
"""Errors kept in a session's record (the oldest are dropped)."""


@dataclass(slots=True)
class Session:
    """What the session layer knows about one conversation, and what a store persists.

    Holds no live objects (no graph, no connection), so a record can be copied, written
    to a store and read back in another process. `conversation` holds the context
    messages (`{"messages": [...]}`) when the graph has an agent context, else a
    `{"state": {...}}` dict; `position` says where the conversation was (turns done,
    whether a turn was in flight, the last stage reached); `progress` is the turn in
    flight as last saved (the user's final words and the reply's played part, already
    written into `conversation`); `nodes` holds the state of nodes that keep one
    (`NodeStateful`, e.g. a scripted agent's script position).
    """

    id: str
    state: SessionState = SessionState.ACTIVE
    metadata: dict[str, Any] = field(default_factory=dict)
    conversation: dict[str, Any] = field(default_factory=dict)
    position: dict[str, Any] = field(default_factory=dict)
    progress: dict[str, Any] = field(default_factory=dict)
    """The turn in flight when saved: `{"user", "played", "settled"}` (see `TurnProgress`)."""
    nodes: dict[str, Any] = field(default_factory=dict)
    """Saved node state by node name (`NodeStateful.snapshot_state()`), restored on resume."""
    errors: list[dict[str, Any]] = field(default_factory=list)
    """Coded errors the session met, newest last (at most `MAX_SESSION_ERRORS`):
    `{"code", "message", "node", "fatal", "at"}` (`at`: wall time)."""
    principal: str = ""
    """Who the auth hook said the client is ("" without auth)."""
    resume_token: str = ""
    """The transport's resume token, so a client may come back with it after a restart."""
    owner: str = ""
    """The process (host:pid) that runs the session; a dead owner's sessions are recovered."""
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    expires_at: float | None = None
    """Wall time after which a completed record is deleted (None: never, while kept)."""

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return {
            "id": self.id, "state": str(self.state), "metadata": copy.deepcopy(self.metadata),
            "conversation": copy.deepcopy(self.conversation), "position": dict(self.position),
            "progress": dict(self.progress), "nodes": copy.deepcopy(self.nodes),
            "errors": copy.deepcopy(self.errors), "principal": self.principal,
            "resume_token": self.resume_token, "owner": self.owner,
            "created_at": self.created_at, "updated_at": self.updated_at, "expires_at": self.expires_at,
        }  # fmt: skip

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Session:
        """Read back a record written by `to_record`.

        Raises:
            VoiceError: (invalid_input) the record is malformed.
        """
        try:
            return cls(
                id=str(record["id"]), state=SessionState(record["state"]),
                metadata=dict(record.get("metadata") or {}),
                conversation=dict(record.get("conversation") or {}),
                position=dict(record.get("position") or {}), progress=dict(record.get("progress") or {}),
                nodes=dict(record.get("nodes") or {}), errors=list(record.get("errors") or []),
                principal=str(record.get("principal", "")),
                resume_token=str(record.get("resume_token", "")), owner=str(record.get("owner", "")),
                created_at=float(record.get("created_at", 0.0)),
                updated_at=float(record.get("updated_at", 0.0)), expires_at=record.get("expires_at"),
            )  # fmt: skip
        except (KeyError, TypeError, ValueError) as exc:
            raise VoiceError(ErrorCode.INVALID_INPUT, f"malformed session record: {exc!r}") from exc

    def copy(self) -> Session:
        """A deep copy (what `SessionManager.get` hands out, so callers cannot mutate state)."""
        return Session.from_record(self.to_record())

    def note_error(self, error: VoiceError, node: str = "", *, fatal: bool = False) -> None:
        """Keep `error` in the record (the newest `MAX_SESSION_ERRORS`)."""
        entry = {"code": str(error.code), "message": error.message, "node": node or error.node or "",
                 "fatal": fatal, "at": time.time()}  # fmt: skip
        self.errors = [*self.errors[-(MAX_SESSION_ERRORS - 1) :], entry]

    def touch(self) -> None:
        """Mark the record as changed now."""
        self.updated_at = time.time()
