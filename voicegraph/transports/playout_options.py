"""PlayoutOptions: how an output transport paces bot audio (chunk, buffer, QoS, hold, marks)."""

from __future__ import annotations

from dataclasses import dataclass

from voicegraph.framework.errors import ErrorCode, VoiceError


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayoutOptions:
    """The playout settings every output node shares (`PacedPlayout` and its subclasses).

    One value, passed as `playout=` to `Connection.output()`, `ConnectionOutput`,
    `LiveKitOutput`, `WavFileOutput` and `PacedPlayout`; a graph spec's
    `transport_output` node takes the same names as params.

    Raises:
        VoiceError: (invalid_config) `chunk_ms` not positive or `buffer_ms` below one chunk.
    """

    chunk_ms: float = 20.0
    """Duration of the chunks written to the medium, one per chunk period (the latency added)."""
    buffer_ms: float = 200.0
    """Audio queued ahead of playout; a full buffer backpressures the graph."""
    qos_threshold_ms: float = 40.0
    """A wake-up this late re-anchors the grid and sends a `QoSFrame` upstream."""
    stop_hold_ms: float = 200.0
    """Silence after which the bot counts as stopped speaking (outside delimited replies)."""
    mark_every_ms: float = 100.0
    """Spacing of playout marks, for a medium that echoes them."""
    mark_timeout_s: float = 2.0
    """How long a reply's end mark is waited for before the reply is reported anyway."""

    def __post_init__(self) -> None:
        if self.chunk_ms <= 0 or self.buffer_ms < self.chunk_ms:
            raise VoiceError(
                ErrorCode.INVALID_CONFIG,
                f"playout needs chunk_ms > 0 and buffer_ms >= chunk_ms, "
                f"got {self.chunk_ms} and {self.buffer_ms}",
            )
