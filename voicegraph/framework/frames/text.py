"""Text frames: transcripts, LLM text, sentences for TTS."""

from __future__ import annotations

from dataclasses import dataclass

from voicegraph.framework.frames.base import DataFrame


@dataclass(frozen=True, slots=True, kw_only=True)
class TextFrame(DataFrame):
    """A piece of text (e.g. streamed LLM output)."""

    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SentenceFrame(TextFrame):
    """A whole sentence or clause, ready for TTS."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscriptFrame(TextFrame):
    """Speech-to-text result. Interim results may be revised; final ones are not."""

    final: bool = True
    confidence: float = 1.0
    speech_end_ns: int = 0
    """Monotonic time when the transcribed speech ended (0 when unknown)."""
    user_id: str = ""
    language: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class InterimTranscriptFrame(TranscriptFrame):
    """A transcript that may still change."""

    final: bool = False
