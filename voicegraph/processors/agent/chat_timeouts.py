"""ChatTimeouts: the deadlines of one chat request attempt."""

from __future__ import annotations

from dataclasses import dataclass

from voicegraph.framework.errors import ErrorCode, VoiceError


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatTimeouts:
    """Per-attempt deadlines, in seconds.

    `connect_s` bounds the TCP/TLS connect (`connection_timeout`); `first_token_s` bounds
    the wait from sending the request to the first text or tool-call delta, response
    headers included (`timeout`); `idle_s` bounds each gap between chunks after that;
    `total_s` bounds the whole attempt. Retries get fresh deadlines.
    """

    connect_s: float = 5.0
    first_token_s: float = 10.0
    idle_s: float = 15.0
    total_s: float = 60.0

    def __post_init__(self) -> None:
        if min(self.connect_s, self.first_token_s, self.idle_s, self.total_s) <= 0:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"timeouts must be positive: {self}")
