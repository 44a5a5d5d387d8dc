"""Control frames: in band, ordered, never dropped by interruptions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from voicegraph.framework.frames.base import ControlFrame

if TYPE_CHECKING:
    from voicegraph.framework.formats import AudioFormat


@dataclass(frozen=True, slots=True, kw_only=True)
class EndFrame(ControlFrame):
    """End of stream: each node drains what it holds, then passes it on, exactly once."""

    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class FormatFrame(ControlFrame):
    """Announces the audio format on an edge. Sticky: the last one is kept per edge."""

    sticky: ClassVar[bool] = True
    format: AudioFormat


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseStartFrame(ControlFrame):
    """Marks the start of one bot response (LLM + TTS output for a turn)."""

    response_id: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseEndFrame(ControlFrame):
    """Marks the end of one bot response."""

    response_id: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class TurnEndFrame(ControlFrame):
    """In-band end of a user turn, ordered after the turn's audio (unlike VAD events)."""

    speech_end_ns: int = 0
