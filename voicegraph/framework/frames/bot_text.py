"""Bot text frames: the bot's words as the user hears them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from voicegraph.framework.frames.base import Direction, SystemFrame


@dataclass(frozen=True, slots=True, kw_only=True)
class BotTextFrame(SystemFrame):
    """The bot's words, emitted by the output transport as their audio plays.

    Interim frames (`final=False`) carry the words whose audio just started playing, as
    a delta: concatenate them (every delta after the first of a reply starts with a
    space). One final frame per reply (`final=True`) carries the whole text played; when
    a barge-in cut the reply, `interrupted=True` and the text holds only the words heard.
    Out of band (a system frame) so an interruption never drops the final report.
    """

    direction: ClassVar[Direction] = Direction.BOTH
    text: str
    """The new words (interim) or the whole reply as played (final)."""
    final: bool = False
    """True on the one frame that closes a reply."""
    interrupted: bool = False
    """True on a final frame whose reply a barge-in cut."""
