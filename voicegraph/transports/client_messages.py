"""Client messages: what a serializer makes of one message from a client."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voicegraph.framework.formats import AudioFormat


@dataclass(frozen=True, slots=True)
class ClientStart:
    """The client opened a stream (or resumes one with `resume_token`)."""

    input_format: AudioFormat
    """Format of the audio the client sends."""
    output_format: AudioFormat
    """Format of the audio the client plays."""
    resume_token: str = ""
    """Token of a session to resume; empty for a new session."""
    stream_id: str = ""
    """The protocol's stream id (Twilio `streamSid`)."""
    call_id: str = ""
    """The protocol's call id (Twilio `callSid`)."""
    params: dict[str, str] = field(default_factory=dict)
    """Custom parameters from the client (Twilio `customParameters`)."""


@dataclass(frozen=True, slots=True)
class ClientAudio:
    """User audio in the stream's input format."""

    data: bytes


@dataclass(frozen=True, slots=True)
class ClientText:
    """Text typed by the user, used as a final transcript."""

    text: str


@dataclass(frozen=True, slots=True)
class ClientInterrupt:
    """The client asks to interrupt the bot (barge-in from the client side)."""


@dataclass(frozen=True, slots=True)
class ClientMark:
    """A playout mark came back: the audio sent before it has played (or was cleared)."""

    name: str


@dataclass(frozen=True, slots=True)
class ClientDtmf:
    """A key press."""

    digit: str


@dataclass(frozen=True, slots=True)
class ClientEnd:
    """The client ended the stream; `drain` lets the bot finish what it is saying."""

    drain: bool = True


ClientMessage = ClientStart | ClientAudio | ClientText | ClientInterrupt | ClientMark | ClientDtmf | ClientEnd

DTMF_DIGITS = frozenset("0123456789*#ABCD")
