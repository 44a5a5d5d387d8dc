"""Text frames: one family whose members say what they hold.

`AnyTextFrame` is the family's base and is never sent itself. Its members are siblings,
so a handler gets what its annotation names and nothing else:

- `TextFrame`: plain text given as is (a line to speak or show: a workflow's prompt, an
  app's text). Not a base class: transcripts, LLM text and sentences are not plain text.
- `TranscriptFrame`: the user's words (speech to text, or text the user typed), with
  `InterimTranscriptFrame` under it for hypotheses that may still change. A
  `TranscriptFrame` handler gets both and reads `final`.
- `SentenceFrame`: a whole sentence or clause, ready for TTS.
- `LLMTextFrame` (in `llm.py`): a streamed delta of the LLM's reply.

A handler that wants every kind of text names `AnyTextFrame`. The table in
docs/architecture.md ("The text family") lists the family; a test keeps it equal to the code.
"""

from __future__ import annotations

from dataclasses import dataclass

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames.base import DataFrame


@dataclass(frozen=True, slots=True, kw_only=True, init=False)
class AnyTextFrame(DataFrame):
    """Base of every in-band text frame; name it in a handler to get all text.

    Never made or sent itself: make the member that says what the text is.

    Raises:
        VoiceError: `invalid_input` when made directly.
    """

    text: str

    # Each member's dataclass __init__ replaces this one, so the check costs them nothing.
    def __init__(self, **_fields: object) -> None:
        raise VoiceError(
            ErrorCode.INVALID_INPUT,
            "AnyTextFrame is the text family's base, never sent: make a TextFrame, "
            "TranscriptFrame, LLMTextFrame or SentenceFrame",
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class TextFrame(AnyTextFrame):
    """Plain text given as is: a line to speak or show (not a transcript, not LLM text)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SentenceFrame(AnyTextFrame):
    """A whole sentence or clause, ready for TTS."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscriptFrame(AnyTextFrame):
    """The user's words: speech to text, or text the user typed.

    Interim results (`InterimTranscriptFrame`, `final=False`) may be revised; final ones
    are not. A handler for this class gets both and branches on `final`.
    """

    final: bool = True
    confidence: float = 1.0
    speech_end_ns: int = 0
    """Monotonic time when the transcribed speech ended (0 when unknown)."""
    user_id: str = ""
    language: str = ""
    revises: bool = False
    """The turn's whole text so far, correcting finals already given in this turn (a
    streaming STT changed words it had given): whoever joins a turn's finals replaces
    them with this text instead of adding it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class InterimTranscriptFrame(TranscriptFrame):
    """A transcript that may still change."""

    final: bool = False
