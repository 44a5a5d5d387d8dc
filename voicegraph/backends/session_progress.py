"""TurnProgress: the turn in flight as the user lived it (their final words, the reply's played
part), so a session record saved mid-turn carries it and a kill -9 loses nothing heard."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from voicegraph.framework.frames.bot_text import BotTextFrame
from voicegraph.framework.frames.llm import LLMResponseStartFrame
from voicegraph.framework.frames.system import ReplyPlayedFrame
from voicegraph.framework.frames.text import TranscriptFrame

if TYPE_CHECKING:
    from voicegraph.framework.frames.base import Frame

WATCHED: frozenset[type[Frame]] = frozenset(
    {TranscriptFrame, BotTextFrame, ReplyPlayedFrame, LLMResponseStartFrame}
)
"""Frame types that change the progress or call for a save (exact types)."""


def _norm(text: str) -> str:
    return " ".join(text.split())


class TurnProgress:
    """What the user said and heard in the turn in flight, from the frames crossing the graph.

    Final transcripts are the turn's user words (each one an utterance; a final transcript
    after a reply started begins a new turn). The output's interim `BotTextFrame`s add the
    words whose audio started playing; its final one (or a `ReplyPlayedFrame`) replaces
    them with the whole played text. `settle()` (the turn ended) lets the context's own
    settled reply win from then on. `apply(messages)` writes the progress into saved chat
    messages (or `ConversationLog` lines): the user's words the context has not taken
    yet, and, in a spoken graph, the played part instead of the reply's unplayed text.

    I/O-free and synchronous; each frame counts once however many links it crosses.
    `observe` returns True when the record should be saved now: new user words, new
    played words, or a reply started (nodes such as a scripted agent moved on).

    Args:
        spoken: the reply is heard as audio (a TTS or S2S node): only its played part is
            kept for a turn in flight. Else the context's reply text is what reached the user.
    """

    def __init__(self, *, spoken: bool = True) -> None:
        self.spoken = spoken
        self.utterances: list[str] = []
        """The user's final words in the turn in flight, one entry per final transcript."""
        self.played = ""
        """The part of the reply the user heard so far."""
        self.replying = False
        """A reply to these words has started."""
        self.settled = False
        """The turn ended: the context holds its reply as heard."""
        self._seen: deque[int] = deque(maxlen=256)

    @property
    def user(self) -> str:
        """The turn's user words, joined."""
        return " ".join(self.utterances)

    def observe(self, frame: Frame) -> bool:
        """Feed one frame seen anywhere in the graph; True when a save is due."""
        kind = type(frame)
        if kind not in WATCHED or frame.id in self._seen:
            return False
        self._seen.append(frame.id)
        if isinstance(frame, TranscriptFrame):
            return frame.final and self._heard_user(frame.text)
        if isinstance(frame, BotTextFrame):
            return self._heard_bot(frame.text, whole=frame.final)
        if isinstance(frame, ReplyPlayedFrame):
            return self._heard_bot(frame.text_played, whole=True)
        self.replying = True  # LLMResponseStartFrame
        return True

    def _heard_user(self, text: str) -> bool:
        words = _norm(text)
        if not words:
            return False
        if self.replying or self.played or self.settled:
            self.utterances, self.played, self.replying, self.settled = [], "", False, False
        self.utterances.append(words)
        return True

    def _heard_bot(self, text: str, *, whole: bool) -> bool:
        self.replying = True
        if whole:
            changed = _norm(text) != self.played and bool(_norm(text))
            self.played = _norm(text) or self.played
            return changed
        if not text.strip():
            return False
        # deltas after a reply's first lead with a space; a new reply's first one does not
        glue = "" if not self.played or text[:1].isspace() else " "
        self.played = _norm(f"{self.played}{glue}{text}")
        return True

    def settle(self) -> None:
        """The turn ended (answered, interrupted): the context now has the reply as heard."""
        self.settled = True

    def state(self) -> dict[str, Any]:
        """`{"user": ..., "played": ..., "settled": ...}`, saved beside the conversation."""
        return {"user": self.user, "played": self.played, "settled": self.settled}

    def apply(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """`messages` (chat messages or log lines, oldest first) with the turn in flight in them.

        The utterances the context already has (its last user messages, one each, or its
        last user message holding them joined) are not added again; the rest are appended
        as one user message. After the last user message, while a spoken turn is in
        flight, the reply's plain assistant messages (text perhaps not played yet) give way
        to the played part; once settled, the played part is added only when the context
        has no reply after the user's words.
        """
        if not self.utterances:
            return messages
        out = list(messages)
        rest = self.utterances[self._taken(out) :]
        if rest:
            out.append({"role": "user", "content": " ".join(rest)})
        last = max(i for i, m in enumerate(out) if m.get("role") == "user")
        head, tail = out[: last + 1], out[last + 1 :]
        plain = [m for m in tail if m.get("role") == "assistant" and not m.get("tool_calls")]
        if self.settled or not self.spoken:
            if plain or not self.played or not self.settled:
                return out
        else:
            tail = [m for m in tail if m not in plain]
        if self.played:
            tail.append({"role": "assistant", "content": self.played})
        return head + tail

    def _taken(self, messages: list[dict[str, Any]]) -> int:
        """How many of the utterances (from the first) the context already holds."""
        users = [_norm(str(m.get("content", ""))) for m in messages if m.get("role") == "user"]
        for n in range(len(self.utterances), 0, -1):
            taken = self.utterances[:n]
            if users[-n:] == taken or (users and users[-1] == " ".join(taken)):
                return n
        return 0
