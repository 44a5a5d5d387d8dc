"""Frames of the Vapi call node: Vapi's events in, and the controls an app sends to a call."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from voicegraph.framework.frames.base import ControlFrame, Direction


@dataclass(frozen=True, slots=True, kw_only=True)
class VapiEventFrame(ControlFrame):
    """One JSON message Vapi sent on the call socket (`speech-update`, `transcript`,
    `status-update`, `conversation-update`, `model-output`, `hang`, ...), as sent.

    A control frame: in order with the audio around it, and kept by interruptions (the
    `user-interrupted` that caused one must reach the app)."""

    event: str
    """The message's `type`."""
    payload: dict[str, Any] = field(default_factory=dict)
    """The whole message."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VapiSayFrame(ControlFrame):
    """Ask the Vapi assistant to say `text` now (`{"type": "say"}`)."""

    direction: ClassVar[Direction] = Direction.BOTH
    text: str
    end_call_after: bool = False
    """Hang up once it has been spoken (`endCallAfterSpoken`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VapiAddMessageFrame(ControlFrame):
    """Add a message to the Vapi assistant's conversation (`{"type": "add-message"}`)."""

    direction: ClassVar[Direction] = Direction.BOTH
    role: str = "system"
    content: str
    trigger_response: bool = False
    """Let the assistant answer it at once (`triggerResponseEnabled`)."""
