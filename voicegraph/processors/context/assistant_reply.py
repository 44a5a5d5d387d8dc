"""AssistantReply: one bot reply as the conversation context sees it, from generation to playout."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class TextSource(enum.IntEnum):
    """Where reply text was seen; the lowest value seen wins (it is the most exact)."""

    LLM = 0  # raw LLM deltas, concatenated as streamed
    SENTENCE = 1  # sentences for TTS, joined with spaces
    SPEECH = 2  # text carried by TTS audio chunks, joined with spaces


@dataclass(slots=True)
class AssistantReply:
    """The state of one reply: what was generated, which tools ran, and what was heard.

    I/O-free. A reply is *open* while it streams, *generated* once the LLM finished, and
    *settled* once it is known what the user heard: either the output reported it
    (`report`) or it can no longer be reported (`abandon`). Only a settled reply is
    persisted; `messages()` also shows a generated, uninterrupted reply that is still
    playing (it will be heard whole unless something cuts it).
    """

    response_id: str
    tool_messages: list[dict[str, Any]] = field(default_factory=list)
    """Assistant `tool_calls` messages and `tool` results, in order (kept even if cut)."""
    generated_done: bool = False
    cut: bool = False
    """An interruption happened while the reply was not yet reported."""
    heard: str | None = None
    """Text the user heard, once settled (None while unknown)."""
    interrupted: bool = False
    _pieces: dict[TextSource, list[str]] = field(default_factory=dict)

    @property
    def settled(self) -> bool:
        """Whether what the user heard is known."""
        return self.heard is not None

    def add_text(self, text: str, source: TextSource) -> None:
        """Record generated text seen from `source`."""
        if text:
            self._pieces.setdefault(source, []).append(text)

    def generated(self) -> str:
        """The reply's text as generated, from the most exact source seen."""
        if not self._pieces:
            return ""
        source = min(self._pieces)
        pieces = self._pieces[source]
        if source is TextSource.LLM:
            return "".join(pieces).strip()
        return " ".join(p.strip() for p in pieces if p.strip())

    def report(self, *, text_played: str, played_ns: int, total_ns: int, interrupted: bool) -> None:
        """The output reported the reply: settle it with the heard part only."""
        self.interrupted = interrupted
        if not interrupted:
            self.heard = self.generated() or text_played.strip()
            return
        heard = text_played.strip()
        if not heard and played_ns > 0 and total_ns > 0:
            # No word timing from the TTS: estimate the heard words from the played share.
            words = self.generated().split()
            heard = " ".join(words[: len(words) * min(played_ns, total_ns) // total_ns])
        self.heard = heard

    def abandon(self) -> None:
        """Settle without a report: a cut reply was heard not at all; else as generated."""
        if self.heard is None:
            self.interrupted = self.cut
            self.heard = "" if self.cut else self.generated()

    def visible_text(self) -> str | None:
        """The text to show the LLM now: heard when settled, else generated if it will play whole."""
        if self.heard is not None:
            return self.heard
        if self.generated_done and not self.cut:
            return self.generated()
        return None

    def messages(self) -> list[dict[str, Any]]:
        """The reply as chat messages: tool rounds first, then the assistant text (if any)."""
        out = list(self.tool_messages)
        text = self.visible_text()
        if text:
            out.append({"role": "assistant", "content": text})
        return out
