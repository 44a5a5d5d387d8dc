"""Frame families and routing flags.

Three families, as GStreamer splits events:
- `SystemFrame`: out of band. Crosses an edge by direct call in the sender's task, so it
  never waits behind queued data, and no interruption drops it.
- `DataFrame`: in band and ordered; an interruption drops it from interruptible nodes, and
  sinks drop any whose epoch is older than the graph's.
- `ControlFrame`: in band and ordered, never dropped (end-of-stream, markers, formats).
"""

from __future__ import annotations

import enum
import itertools
import time
from dataclasses import dataclass, field
from typing import ClassVar

UNSTAMPED = -1
"""`pts`/`epoch` value of a frame the runtime has not stamped yet."""

_ids = itertools.count(1)


class Direction(enum.IntEnum):
    """Where a frame travels."""

    DOWN = 1
    UP = 2
    BOTH = 3


class Lane(enum.Enum):
    """Which lane of an edge carries the frame."""

    DATA = "data"  # bounded, ordered; data and control frames
    CONTROL = "control"  # system frames, delivered out of band


@dataclass(frozen=True, slots=True, kw_only=True)
class Frame:
    """Base of all frames. Frozen, so one frame can go to many consumers safely."""

    direction: ClassVar[Direction] = Direction.DOWN
    lane: ClassVar[Lane] = Lane.DATA
    sticky: ClassVar[bool] = False
    droppable: ClassVar[bool] = False
    """True for data frames: an interruption may drop them."""

    id: int = field(default_factory=_ids.__next__, compare=False)
    """Unique per process; used to de-duplicate system frames at fan-in."""
    created_ns: int = field(default_factory=time.monotonic_ns, compare=False)
    """Monotonic time (ns) when the frame was made, for latency by subtraction."""
    pts: int = field(default=UNSTAMPED, compare=False)
    """Running time (ns) of the graph clock when the frame first entered a graph."""
    epoch: int = field(default=UNSTAMPED, compare=False)
    """Interruption generation the frame belongs to; stamped by the runtime."""

    @property
    def name(self) -> str:
        """The frame's class name, for logs."""
        return type(self).__name__


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemFrame(Frame):
    """Out-of-band frame: overtakes queued data, survives interruptions."""

    lane: ClassVar[Lane] = Lane.CONTROL


@dataclass(frozen=True, slots=True, kw_only=True)
class DataFrame(Frame):
    """In-band payload: dropped by interruptions and by sinks when stale."""

    droppable: ClassVar[bool] = True


@dataclass(frozen=True, slots=True, kw_only=True)
class ControlFrame(Frame):
    """In-band, ordered, never dropped: end-of-stream, markers, format changes."""
