"""Probe: what the head and tail nodes of a benchmark chain report, on either framework."""

from __future__ import annotations

import time
from collections.abc import Callable

AUDIO_20MS = bytes(640)
"""One 20 ms chunk of 16 kHz mono s16 audio (silence: the runtimes never look inside)."""


class Probe:
    """Shared between the benchmark driver and the head/tail nodes of one chain.

    The tail node calls `exit(frame_id)` after it has pushed a data frame out of the chain,
    and `flushed()` once it has finished handling an interruption. The head node stamps
    `interrupt_ns` just before it raises an interruption, and records in `sent` the push
    time of every frame its producer emits. All times are `time.perf_counter_ns()`.
    """

    __slots__ = ("flushed_ns", "interrupt_ns", "on_exit", "on_flushed", "producing", "sent")

    def __init__(self) -> None:
        self.on_exit: Callable[[int], None] | None = None
        self.on_flushed: Callable[[], None] | None = None
        self.interrupt_ns = 0
        self.flushed_ns = 0
        self.sent: dict[int, int] = {}
        self.producing = False

    def exit(self, frame_id: int) -> None:
        """A data frame left the last node."""
        fn = self.on_exit
        if fn is not None:
            fn(frame_id)

    def flushed(self) -> None:
        """The last node finished handling an interruption."""
        self.flushed_ns = time.perf_counter_ns()
        fn = self.on_flushed
        if fn is not None:
            fn()

    def interrupting(self) -> None:
        """The head node is about to raise an interruption."""
        self.interrupt_ns = time.perf_counter_ns()
