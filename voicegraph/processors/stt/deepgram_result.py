"""DeepgramResult: the parts of a Deepgram `Results` message the STT node uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voicegraph.framework.errors import ErrorCode, VoiceError


@dataclass(frozen=True, slots=True)
class DeepgramResult:
    """One `Results` message (`/v1/listen`), first channel, first alternative."""

    text: str
    """The transcript, stripped ('' for silence)."""
    is_final: bool
    """The segment's text will not change."""
    speech_final: bool
    """Endpointing heard the pause that ends an utterance."""
    from_finalize: bool
    """The answer to a `Finalize` message."""
    end_s: float
    """Stream time the segment ends at (`start + duration`)."""
    confidence: float
    language: str

    @classmethod
    def parse(cls, message: dict[str, Any]) -> DeepgramResult:
        """Read a `Results` message.

        Raises:
            VoiceError: `protocol_error` when a documented field is missing or mistyped.
        """
        try:
            alt = message["channel"]["alternatives"][0]
            languages = alt.get("languages") or [""]
            return cls(
                text=str(alt["transcript"]).strip(),
                is_final=bool(message.get("is_final", False)),
                speech_final=bool(message.get("speech_final", False)),
                from_finalize=bool(message.get("from_finalize", False)),
                end_s=float(message["start"]) + float(message["duration"]),
                confidence=float(alt.get("confidence", 1.0)),
                language=str(languages[0]),
            )
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise VoiceError(ErrorCode.PROTOCOL_ERROR, f"malformed Deepgram Results: {exc!r}") from exc
