"""Serializer: one wire protocol between a WebSocket client and a session."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from voicegraph.framework.errors import VoiceError
    from voicegraph.framework.frames.base import Frame
    from voicegraph.transports.client_messages import ClientMessage

Message = str | bytes
"""A WebSocket message: text (str) or binary (bytes)."""


class Serializer(abc.ABC):
    """Parses a client's messages and encodes a session's output, for one protocol.

    I/O-free and stateful per connection (one instance per WebSocket): it remembers
    the stream's formats and ids from the start message. `parse` never raises anything
    but a `VoiceError` with code protocol_error, invalid_input or not_negotiated.
    """

    name: ClassVar[str] = ""
    supports_marks: ClassVar[bool] = False
    """The client echoes playout marks (so reply reports are confirmed by the client)."""
    supports_resume: ClassVar[bool] = False
    """A dropped client may come back with a resume token."""
    telephony: ClassVar[bool] = False
    """The client is a provider's phone call: hang-ups and transfers go through the
    provider's API (`CallControl`), not to the client as events."""

    @property
    def call_id(self) -> str:
        """The provider's id of the call ("" until the start message, or no provider)."""
        return ""

    @abc.abstractmethod
    def parse(self, message: Message) -> ClientMessage | None:
        """Decode one client message; None for messages with nothing to do.

        Raises:
            VoiceError: (protocol_error) malformed or out of order; (invalid_input) a
                bad value; (not_negotiated) an audio format the server does not take.
        """

    @abc.abstractmethod
    def encode_audio(self, data: bytes) -> Message:
        """One chunk of bot audio, already in the stream's output format."""

    def encode_event(self, frame: Frame) -> Message | None:
        """A frame reaching the output (transcript, speaking event...), if the protocol has it."""
        return None

    def encode_clear(self) -> Message | None:
        """Tell the client to drop bot audio it has buffered."""
        return None

    def encode_mark(self, name: str) -> Message | None:
        """Ask the client to echo `name` once the audio sent before it has played."""
        return None

    def encode_error(self, err: VoiceError) -> Message | None:
        """Report an error to the client, if the protocol can."""
        return None

    def encode_started(self, session_id: str, resume_token: str, *, resumed: bool) -> Message | None:
        """Acknowledge the start message."""
        return None

    def encode_end(self) -> Message | None:
        """The session is over; the server closes the socket next."""
        return None
