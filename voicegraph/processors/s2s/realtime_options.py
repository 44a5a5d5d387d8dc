"""RealtimeOptions: connection, timing and output knobs of the realtime S2S node."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass(frozen=True, slots=True, kw_only=True)
class RealtimeOptions:
    """Everything about how the node talks to the provider, apart from the session itself."""

    append_ms: float = 100.0
    """Longest audio per `input_audio_buffer.append` (bigger input frames are split)."""
    min_commit_ms: float = 100.0
    """Least buffered audio a local turn end commits (the provider refuses less)."""
    played_wait_s: float = 0.25
    """How long a barge-in waits for the output's played report before estimating."""
    tail_ms: float = 300.0
    """How long after its last emitted audio a reply may still be playing downstream."""
    open_timeout_s: float = 10.0
    """Deadline of the WebSocket handshake."""
    setup_timeout_s: float = 10.0
    """Deadline for `session.created` and the answer to `session.update`."""
    reconnect_attempts: int = 5
    """Tries to re-open a dropped connection (0: give up at once)."""
    reconnect_backoff_s: float = 0.1
    """First pause between tries; doubles each time."""
    reconnect_buffer_ms: float = 2000.0
    """Input audio kept while the connection is down, sent once it is back."""
    drain_timeout_s: float = 15.0
    """At end of stream, how long to wait for the reply in progress."""
    tool_timeout_s: float = 10.0
    """Deadline per tool call."""
    forward_input_audio: bool = False
    """Pass the user's audio on downstream (e.g. to a recorder) as well."""
    user_transcripts: bool = True
    """Emit the provider's transcripts of the user (when transcription is on)."""
    bot_transcripts: bool = True
    """Emit the transcript of the bot's speech."""
    max_queued_frames: int = 10_000
    """Most reply frames held for downstream (a reply arrives faster than it plays)."""
    response_timeout_s: float | None = 60.0
    """Longest a response may go from `response.created` to `response.done`; past it the
    reply is closed as failed with a coded `timeout` and cancelled at the provider (a lost
    `response.done` cannot leave it open). None: no deadline."""

    def __post_init__(self) -> None:
        if self.append_ms <= 0 or self.played_wait_s < 0 or self.reconnect_attempts < 0:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "append_ms > 0, played_wait_s >= 0, attempts >= 0")
        if self.max_queued_frames < 1:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "max_queued_frames >= 1")
        if self.response_timeout_s is not None and self.response_timeout_s <= 0:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "response_timeout_s > 0 (or None)")

    @classmethod
    def coerce(cls, value: RealtimeOptions | Mapping[str, Any] | None) -> RealtimeOptions:
        """From itself, a mapping of fields, or None (defaults).

        Raises:
            VoiceError: (invalid_config) unknown field.
        """
        if isinstance(value, RealtimeOptions):
            return value
        data = dict(value or {})
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"unknown realtime options {unknown}")
        return cls(**data)
