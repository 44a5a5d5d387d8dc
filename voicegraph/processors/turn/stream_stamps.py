"""StreamStamps: pairs speaking and turn-end frames with their stream-clock stamps."""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voicegraph.framework.frames import Frame, StreamTimeFrame


class StreamStamps:
    """Remembers the last `keep` `StreamTimeFrame` stamps until the frames they mark arrive.

    A stamp is sent just before the frame it marks, so a node keeps it here and takes it
    when that frame comes (`take`). Frames from a source that sends no stamps (a test, a
    provider VAD) get None, and the node falls back to graph-clock fields. I/O-free.
    """

    def __init__(self, keep: int = 16) -> None:
        self._keep = keep
        self._stamps: OrderedDict[int, StreamTimeFrame] = OrderedDict()

    def add(self, stamp: StreamTimeFrame) -> None:
        """Keep a stamp (ticks are ignored)."""
        if stamp.tick:
            return
        self._stamps[stamp.marks] = stamp
        while len(self._stamps) > self._keep:
            self._stamps.popitem(last=False)

    def take(self, frame: Frame) -> StreamTimeFrame | None:
        """The stamp of `frame`, forgotten once taken; None if it has none."""
        return self._stamps.pop(frame.id, None)

    def peek(self, frame: Frame) -> StreamTimeFrame | None:
        """The stamp of `frame`, kept."""
        return self._stamps.get(frame.id)
