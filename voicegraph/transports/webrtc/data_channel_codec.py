"""DataChannelCodec: the JSON messages on a WebRTC session's "events" data channel."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.frames.call import CallActionFrame
from voicegraph.framework.frames.system import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    ErrorFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.framework.frames.text import TranscriptFrame
from voicegraph.transports.bot_text_event import bot_text_of
from voicegraph.transports.call_action_event import call_action_event
from voicegraph.transports.client_messages import ClientEnd, ClientInterrupt, ClientMessage, ClientText

if TYPE_CHECKING:
    from voicegraph.framework.frames.base import Frame

MAX_MESSAGE_BYTES = 4096
"""Largest client message accepted."""
MAX_TEXT_CHARS = 2000
"""Longest typed text accepted."""

_EVENTS: dict[type[Frame], str] = {
    UserStartedSpeakingFrame: "user_started_speaking",
    UserStoppedSpeakingFrame: "user_stopped_speaking",
    BotStartedSpeakingFrame: "bot_started_speaking",
    BotStoppedSpeakingFrame: "bot_stopped_speaking",
}


class DataChannelCodec:
    """Parses the page's messages and encodes session events, one JSON object per message.

    I/O-free. Client to server: `{"type": "text", "text": "..."}` (typed input, taken as
    a final transcript), `{"type": "interrupt"}` (barge-in) and `{"type": "hangup"}` (the
    session ends without draining). Server to client: `session` (id), `transcript`
    (`text`, `final`; the user's words), `bot_text` (`text`, `final`, `interrupted`: the
    bot's words as their audio plays, as deltas, then one final per reply with the
    whole text played; text of a graph without TTS goes out as interim deltas),
    the four speaking events, `clear` (drop buffered bot audio) and `error` (`code`,
    `message`). `parse` raises only `VoiceError` (protocol_error or invalid_input).
    """

    def parse(self, message: str | bytes) -> ClientMessage | None:
        """One client message; None for a `ping` (nothing to do).

        Raises:
            VoiceError: (protocol_error) not a JSON object with a known `type`;
                (invalid_input) a bad field value.
        """
        if len(message) > MAX_MESSAGE_BYTES:
            raise VoiceError(ErrorCode.PROTOCOL_ERROR, f"message longer than {MAX_MESSAGE_BYTES} bytes")
        try:
            payload = json.loads(message)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):  # deep nesting
            raise VoiceError(ErrorCode.PROTOCOL_ERROR, "message is not JSON") from None
        if not isinstance(payload, dict):
            raise VoiceError(ErrorCode.PROTOCOL_ERROR, "message must be a JSON object")
        kind = payload.get("type")
        if kind == "text":
            text = payload.get("text")
            if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT_CHARS:
                raise VoiceError(ErrorCode.INVALID_INPUT, f"'text' must be 1 to {MAX_TEXT_CHARS} characters")
            return ClientText(text.strip())
        if kind == "interrupt":
            return ClientInterrupt()
        if kind == "hangup":
            return ClientEnd(drain=False)
        if kind == "ping":
            return None
        raise VoiceError(ErrorCode.PROTOCOL_ERROR, f"unknown message type {kind!r}")

    def encode_event(self, frame: Frame) -> str | None:
        """The message for a frame that reached the session's output, if the page shows it."""
        if isinstance(frame, TranscriptFrame):
            return _dump({"type": "transcript", "text": frame.text, "final": frame.final})
        bot_text = bot_text_of(frame)
        if bot_text is not None:
            return _dump(bot_text)
        if isinstance(frame, ErrorFrame):
            return self.encode_error(frame.error)
        if isinstance(frame, CallActionFrame):
            return _dump(call_action_event(frame))
        name = _EVENTS.get(type(frame))
        return _dump({"type": name}) if name else None

    def encode_session(self, session_id: str) -> str:
        """Sent when the channel opens."""
        return _dump({"type": "session", "session_id": session_id})

    def encode_clear(self) -> str:
        """Drop buffered bot audio (barge-in)."""
        return _dump({"type": "clear"})

    def encode_error(self, err: VoiceError) -> str:
        """A coded error."""
        return _dump({"type": "error", "code": str(err.code), "message": err.message})


def _dump(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"))
