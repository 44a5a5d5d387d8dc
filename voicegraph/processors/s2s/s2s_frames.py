"""Frames of the speech-to-speech layer: steering a realtime model, and its bot transcript."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from voicegraph.framework.frames.base import Direction, SystemFrame
from voicegraph.framework.frames.text import AnyTextFrame


@dataclass(frozen=True, slots=True, kw_only=True)
class S2SInstructionsFrame(SystemFrame):
    """Replace the realtime model's session instructions (sent as `session.update`).

    Travels both ways, so an agent node before or after the S2S node can send it.
    """

    direction: ClassVar[Direction] = Direction.BOTH
    instructions: str


@dataclass(frozen=True, slots=True, kw_only=True)
class S2SContextFrame(SystemFrame):
    """Add text to the model's conversation (RAG context, facts): a `conversation.item.create`."""

    direction: ClassVar[Direction] = Direction.BOTH
    text: str
    role: str = "system"
    """`system` or `user`."""


@dataclass(frozen=True, slots=True, kw_only=True)
class S2SRespondFrame(SystemFrame):
    """Let the model speak now (`response.create`), optionally with instructions for this reply.

    Needed when the S2S node runs with `auto_respond=False` (an agent decides each turn).
    """

    direction: ClassVar[Direction] = Direction.BOTH
    instructions: str = ""
    """Instructions for this reply only (empty: the session's)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BotTranscriptFrame(AnyTextFrame):
    """What the realtime model says, as text: deltas (`final=False`), then the whole reply.

    A transcript of audio the model already speaks: a member of the text family, not
    `TextFrame`, so a TTS node or a sentence aggregator after it does not take it.

    The final frame of a cut-off reply holds only the part the user heard (`interrupted`).
    """

    final: bool = False
    response_id: str = ""
    item_id: str = ""
    interrupted: bool = False
