"""The client-facing form of the bot's words: one JSON event, `bot_text`."""

from __future__ import annotations

from typing import Any

from voicegraph.framework.frames.bot_text import BotTextFrame
from voicegraph.framework.frames.text import AnyTextFrame, TranscriptFrame


def bot_text_event(text: str, *, final: bool = False, interrupted: bool = False) -> dict[str, Any]:
    """`{"type": "bot_text", "text": ..., "final": ..., "interrupted": ...}`.

    Interim events carry the words whose audio just started playing (deltas, to be
    concatenated); the final one of a reply carries the whole text played.
    """
    return {"type": "bot_text", "text": text, "final": final, "interrupted": interrupted}


def bot_text_of(frame: object) -> dict[str, Any] | None:
    """The `bot_text` event for a frame reaching the output, or None if it is not bot text.

    A `BotTextFrame` (words as played) keeps its flags; any other text but the user's
    transcripts (`TextFrame`, `LLMTextFrame`, `SentenceFrame`, a realtime model's
    `BotTranscriptFrame`: a graph without TTS, whose text reaches the output unspoken)
    is an interim delta.
    """
    if isinstance(frame, BotTextFrame):
        return bot_text_event(frame.text, final=frame.final, interrupted=frame.interrupted)
    if isinstance(frame, AnyTextFrame) and not isinstance(frame, TranscriptFrame):
        return bot_text_event(frame.text)
    return None
