"""Typed server events of the OpenAI Realtime protocol (GA names; beta names map onto them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ServerEvent:
    """Base of decoded server events; `type` is the GA event name."""

    type: str


@dataclass(frozen=True, slots=True)
class SessionEvent(ServerEvent):
    """`session.created` or `session.updated`."""

    session: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SpeechStarted(ServerEvent):
    """The provider's VAD heard the user start (`audio_start_ms` into the input stream)."""

    item_id: str = ""
    audio_start_ms: int = 0


@dataclass(frozen=True, slots=True)
class SpeechStopped(ServerEvent):
    """The provider's VAD heard the user stop."""

    item_id: str = ""
    audio_end_ms: int = 0


@dataclass(frozen=True, slots=True)
class InputCommitted(ServerEvent):
    """The input buffer became user item `item_id`."""

    item_id: str = ""


@dataclass(frozen=True, slots=True)
class UserTranscript(ServerEvent):
    """Transcription of user item `item_id`: a delta, or the whole text when `final`."""

    item_id: str = ""
    text: str = ""
    final: bool = False


@dataclass(frozen=True, slots=True)
class ResponseCreated(ServerEvent):
    """A response started."""

    response_id: str = ""


@dataclass(frozen=True, slots=True)
class AudioDelta(ServerEvent):
    """Output audio of a response (already base64-decoded)."""

    response_id: str = ""
    item_id: str = ""
    audio: bytes = b""


@dataclass(frozen=True, slots=True)
class RealtimeTextDelta(ServerEvent):
    """Output text: the transcript of the audio (`transcript=True`) or a text-only answer."""

    response_id: str = ""
    item_id: str = ""
    text: str = ""
    transcript: bool = True


@dataclass(frozen=True, slots=True)
class TextDone(ServerEvent):
    """The whole transcript (or text) of an output item."""

    response_id: str = ""
    item_id: str = ""
    text: str = ""
    transcript: bool = True


@dataclass(frozen=True, slots=True)
class FunctionCall(ServerEvent):
    """The model called a function (`response.function_call_arguments.done`)."""

    response_id: str = ""
    item_id: str = ""
    call_id: str = ""
    name: str = ""
    arguments: str = ""


@dataclass(frozen=True, slots=True)
class ResponseDone(ServerEvent):
    """A response ended: `completed`, `cancelled`, `failed` or `incomplete`."""

    response_id: str = ""
    status: str = ""
    reason: str = ""
    error: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ItemTruncated(ServerEvent):
    """The provider cut assistant item `item_id` at `audio_end_ms`."""

    item_id: str = ""
    audio_end_ms: int = 0


@dataclass(frozen=True, slots=True)
class ServerError(ServerEvent):
    """An `error` event: the connection normally stays open."""

    error_type: str = ""
    code: str = ""
    message: str = ""
    param: str = ""
    event_id: str = ""
    """The client event that caused it, when given."""


@dataclass(frozen=True, slots=True)
class OtherEvent(ServerEvent):
    """Any other valid event (item and content lifecycle, rate limits...)."""

    data: dict[str, Any] = field(default_factory=dict)
