"""Session: one running chain of pass-through nodes, on either framework, as the workloads see it."""

from __future__ import annotations

import enum
from typing import Protocol

from benchmarks.probe import Probe


class FrameKind(enum.StrEnum):
    """The frames a workload pushes."""

    AUDIO = "audio"  # 20 ms of 16 kHz s16 input audio (the user's microphone)
    TEXT = "text"  # a short text frame (LLM output)
    OUTPUT_AUDIO = "output_audio"  # 20 ms of output audio (what an interruption should drop)


class Variant(enum.StrEnum):
    """What runs the chain."""

    VOICEGRAPH = "voicegraph"  # default runtime: cheap nodes fused into direct calls
    VOICEGRAPH_QUEUED = "voicegraph_queued"  # Runtime(fuse=False): every node queued in its own task
    PIPECAT = "pipecat"  # Pipecat 1.14: every processor behind its own queues and tasks
    NONE = "none"  # no framework: push hands the frame to the probe (driver cost only)


class Session(Protocol):
    """A chain of `nodes` pass-through nodes: head node, relays, tail node reporting to `probe`.

    The head node also raises interruptions (on a "user started speaking" frame or after a
    burst) and can run a producer; the tail node reports each data frame leaving the chain.
    """

    probe: Probe
    nodes: int

    async def start(self) -> None:
        """Build and start the chain; returns once it accepts frames."""

    async def stop(self) -> None:
        """Stop at once (no drain) and release every task."""

    def frame(self, kind: FrameKind) -> tuple[object, int]:
        """A new frame of `kind` and its id (what the tail reports)."""
        ...

    async def push(self, frame: object) -> None:
        """Push `frame` into the head from outside, through the framework's public API."""

    async def barge_in(self) -> None:
        """Push a 'user started speaking' frame to the head, which raises an interruption."""

    async def interrupt(self) -> None:
        """Interrupt from outside the chain, through the framework's public API."""

    async def burst(self, count: int, *, request: bool) -> None:
        """Make the head send `count` output-audio frames (then raise an interruption if `request`)."""

    def set_producing(self, on: bool) -> None:
        """Start or stop the head's producer (output audio as fast as the chain takes it)."""


def make_session(
    variant: Variant, nodes: int, *, name: str = "g", capacity: int | None = None, slow_tail_s: float = 0.0
) -> Session:
    """A session of `variant` with `nodes` nodes; `capacity` sets every voicegraph edge (queued);
    `slow_tail_s` makes the last node take that long per data frame (a paced output's pace)."""
    if variant is Variant.NONE:
        return NullSession(nodes)
    if variant is Variant.PIPECAT:
        from benchmarks.pipecat_side import PipecatSession

        return PipecatSession(nodes, name=name, slow_tail_s=slow_tail_s)
    from benchmarks.voicegraph_side import VoicegraphSession

    fuse = variant is Variant.VOICEGRAPH
    return VoicegraphSession(nodes, name=name, fuse=fuse, capacity=capacity, slow_tail_s=slow_tail_s)


class NullSession:
    """No framework at all: `push` reports the frame as delivered at once.

    Measures what a workload's driver costs by itself (timers, frame objects, bookkeeping),
    so that cost can be taken out of the per-hop figures. Only `push` is meaningful.
    """

    def __init__(self, nodes: int) -> None:
        from benchmarks.voicegraph_side import VoicegraphSession  # imported now, not on the clock

        self.probe = Probe()
        self.nodes = nodes
        self._make = VoicegraphSession.make_frame

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def frame(self, kind: FrameKind) -> tuple[object, int]:
        return self._make(kind)

    async def push(self, frame: object) -> None:
        self.probe.exit(getattr(frame, "id", 0))

    async def barge_in(self) -> None:
        pass

    async def interrupt(self) -> None:
        pass

    async def burst(self, count: int, *, request: bool) -> None:
        pass

    def set_producing(self, on: bool) -> None:
        pass
