"""PlayoutStats: the counters of one output's playout."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class PlayoutStats:
    """Counters of one playout."""

    chunks: int = 0
    """Chunks written to the medium."""
    empty_ticks: int = 0
    """Chunk periods with nothing to play while speaking (gaps and the stop hold)."""
    late_ticks: int = 0
    """Ticks later than the QoS threshold (each sent a `QoSFrame` upstream)."""
    dropped_chunks: int = 0
    """Queued chunks dropped by interruptions."""
    replies: int = 0
    """Replies that finished playing."""
    interrupted_replies: int = 0
    """Replies cut off (or never started) by an interruption."""
    dropped_after_call: int = 0
    """Audio frames dropped because a hang-up or transfer had been carried out."""
