"""ConversationLog: a session's conversation state, for persistence and resumption."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from voicegraph.framework.frames.llm import LLMResponseEndFrame, LLMResponseStartFrame, LLMTextFrame
from voicegraph.framework.frames.system import ReplyPlayedFrame
from voicegraph.framework.frames.text import TranscriptFrame

if TYPE_CHECKING:
    from voicegraph.framework.frames.base import Frame

WATCHED: frozenset[type[Frame]] = frozenset(
    {TranscriptFrame, LLMResponseStartFrame, LLMTextFrame, LLMResponseEndFrame, ReplyPlayedFrame}
)


@runtime_checkable
class ConversationStateful(Protocol):
    """A node (the agent layer's context) that can export and import its conversation.

    `export_conversation()` returns a JSON-ready dict, normally `{"messages": [...]}`
    (OpenAI chat messages); `import_conversation(state)` restores it in a new graph
    instance when a session resumes.
    """

    def export_conversation(self) -> dict[str, Any]:
        """The conversation so far."""
        ...

    def import_conversation(self, state: dict[str, Any]) -> None:
        """Continue from `state`."""
        ...


class ConversationLog:
    """What was said, from the frames crossing the graph, when no node keeps a context.

    Final transcripts are the user's lines; LLM text between response start and end is
    the bot's; a reply report that says the user heard only part of a reply replaces the
    bot's line with what was heard. Each frame counts once, however many links it
    crosses. Keeps at most `max_lines` lines. `state()` is `{"transcript": [...]}`, each
    line `{"role": "user"|"assistant", "content": text}`.

    Args:
        max_lines: most lines kept (oldest go first).
        history: lines to start from (a resumed session's).
    """

    def __init__(self, *, max_lines: int = 200, history: list[dict[str, str]] | None = None) -> None:
        self.lines: deque[dict[str, str]] = deque(history or (), maxlen=max_lines)
        self._seen: deque[int] = deque(maxlen=256)
        self._reply: list[str] | None = None
        self.dirty = False

    def observe(self, frame: Frame) -> None:
        """Feed one frame seen anywhere in the graph."""
        kind = type(frame)
        if kind not in WATCHED or frame.id in self._seen:
            return
        self._seen.append(frame.id)
        if isinstance(frame, TranscriptFrame):
            if frame.final and frame.text.strip():
                self._add("user", frame.text.strip())
        elif kind is LLMResponseStartFrame:
            self._reply = []
        elif isinstance(frame, LLMTextFrame):
            if self._reply is not None:
                self._reply.append(frame.text)
        elif kind is LLMResponseEndFrame:
            if self._reply is not None and "".join(self._reply).strip():
                self._add("assistant", "".join(self._reply).strip())
            self._reply = None
        elif isinstance(frame, ReplyPlayedFrame) and frame.interrupted:
            last = self.lines[-1] if self.lines else None
            if last is not None and last["role"] == "assistant":
                last["content"] = frame.text_played.strip()
                self.dirty = True

    def _add(self, role: str, content: str) -> None:
        self.lines.append({"role": role, "content": content})
        self.dirty = True

    def state(self) -> dict[str, Any]:
        """The conversation as a JSON-ready dict."""
        return {"transcript": [dict(line) for line in self.lines]}
