"""DailyConfig: where and how the agent joins a Daily room."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from voicegraph.framework.errors import ErrorCode, VoiceError


class SessionMode(enum.StrEnum):
    """How participants map to sessions."""

    PER_PARTICIPANT = "per_participant"
    """One session (own graph) per participant: their audio in, a custom track out."""
    PER_ROOM = "per_room"
    """One session for the room: everyone's audio mixed in, the agent's microphone out."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DailyConfig:
    """How the agent joins one room.

    Raises:
        VoiceError: (invalid_config) no room URL, a bad rate, chunk or retry count; the
            message names the field.
    """

    room_url: str
    """`https://<domain>.daily.co/<room>`."""
    token: str | None = None
    """Meeting token of the agent (an owner token for private rooms)."""
    sample_rate: int = 16000
    """Rate of the audio both ways (the graph's input rate; virtual devices use it)."""
    mode: SessionMode = SessionMode.PER_PARTICIPANT
    bot_name: str = "voicegraph"
    """The agent's user name in the room."""
    chunk_ms: int = 20
    """Audio handed to and read from the SDK per call (Daily's renderer interval)."""
    join_timeout_s: float = 15.0
    reconnect_attempts: int = 3
    """Joins tried after the call is lost before giving up (0: never reconnect)."""
    reconnect_backoff_s: float = 0.5
    """First delay between reconnect attempts (doubled each time, at most 8 s)."""
    rtvi: bool = False
    """Speak RTVI (Pipecat's client protocol) over app messages: one `RTVISession` per
    session (`RTVIDailyConnection`)."""

    def __post_init__(self) -> None:
        problems = []
        if not self.room_url.startswith(("https://", "http://")):
            problems.append(
                f"room_url: a Daily room URL (https://<domain>.daily.co/<room>), got {self.room_url!r}"
            )
        if self.sample_rate not in (8000, 16000, 24000, 48000):
            problems.append(f"sample_rate: 8000, 16000, 24000 or 48000, got {self.sample_rate}")
        if not 10 <= self.chunk_ms <= 100:
            problems.append(f"chunk_ms: 10..100, got {self.chunk_ms}")
        if self.reconnect_attempts < 0 or self.reconnect_backoff_s <= 0:
            problems.append("reconnect_attempts >= 0 and reconnect_backoff_s > 0")
        if problems:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "bad Daily config: " + "; ".join(problems))

    @property
    def room_name(self) -> str:
        """The room's name (the URL's last path segment)."""
        return self.room_url.rstrip("/").rsplit("/", 1)[-1]

    @property
    def chunk_frames(self) -> int:
        """Samples per channel in one chunk."""
        return self.sample_rate * self.chunk_ms // 1000
