"""RetryPolicy: how often and how patiently a failed request is tried again."""

from __future__ import annotations

from dataclasses import dataclass

from voicegraph.framework.errors import ErrorCode, VoiceError


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """Exponential backoff for transient failures (5xx, 429, timeouts, dropped connections).

    Attempt `n` (0-based) waits `min(max_delay_s, base_delay_s * multiplier**n)` before the
    next one; a server's `Retry-After` is honoured up to `max_delay_s`. Retries happen
    only before the first token was emitted, and only for retriable errors.
    """

    max_attempts: int = 3
    """Tries per endpoint, including the first."""
    base_delay_s: float = 0.25
    multiplier: float = 2.0
    max_delay_s: float = 2.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.base_delay_s < 0 or self.multiplier < 1 or self.max_delay_s < 0:
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"bad retry policy: {self}")

    def delay(self, attempt: int, retry_after_s: float | None = None) -> float:
        """Seconds to wait after failed attempt `attempt` (0-based)."""
        if retry_after_s is not None:
            return min(self.max_delay_s, retry_after_s)
        return min(self.max_delay_s, self.base_delay_s * self.multiplier**attempt)
