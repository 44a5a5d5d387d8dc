"""Faults the fake Deepgram can inject: refused handshakes, HTTP 500, stalls, dropped sockets."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class DeepgramFaults:
    """What to break; tests change the fields while the server runs.

    Attributes:
        refuse: handshakes refused with HTTP 503 from now on (counts down; -1 forever).
        status_500: handshakes answered with HTTP 500 (counts down; -1 forever).
        stall: connections are accepted but nothing is ever sent back.
        drop_after_s: abort the TCP connection (no close frame) once a connection has
            received this many seconds of 16 kHz s16 audio.
        drops: how many connections the drop fault may still cut.
    """

    refuse: int = 0
    status_500: int = 0
    stall: bool = False
    drop_after_s: float | None = None
    drops: int = 1

    def take_refusal(self) -> int | None:
        """The HTTP status to refuse the next handshake with, if any (uses one up)."""
        for name, status in (("refuse", 503), ("status_500", 500)):
            left = getattr(self, name)
            if left:
                if left > 0:
                    setattr(self, name, left - 1)
                return status
        return None
