"""EngineSeat: where a fallback chain seats one child engine (its node view and outboxes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voicegraph.framework.frames.base import Direction
from voicegraph.framework.node import Node
from voicegraph.framework.outbox import Outbox

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from voicegraph.framework.formats import AudioFormat
    from voicegraph.framework.frames.base import Frame
    from voicegraph.framework.processor import Processor
    from voicegraph.framework.runtime import Runtime


class SeatOutbox(Outbox):
    """The outbox a child engine sends into: every frame goes to its chain's `deliver`,
    tagged with the child's index, which decides whether it reaches the graph (only the
    active engine's output does)."""

    def __init__(
        self,
        index: int,
        deliver: Callable[[int, Frame, bool], Awaitable[None]],
        interrupt: Callable[[str], Awaitable[None]],
        *,
        direction: Direction = Direction.DOWN,
    ) -> None:
        # No Router: a seat is not linked into the graph; its chain forwards for it.
        self.direction = direction
        self._index = index
        self._deliver = deliver
        self._interrupt = interrupt
        self.send = self._down
        self.send_up = self._up

    async def _down(self, frame: Frame) -> None:
        await self._deliver(self._index, frame, False)

    async def _up(self, frame: Frame) -> None:
        await self._deliver(self._index, frame, True)

    async def forward(self, frame: Frame) -> None:
        """Pass `frame` on the way the handled frame was travelling."""
        await self._deliver(self._index, frame, self.direction is Direction.UP)

    async def request_interrupt(self, reason: str = "") -> None:
        """A child's barge-in request is the chain's."""
        await self._interrupt(reason)


class EngineSeat:
    """One child engine of a chain, attached to the running graph through its own `Node`
    whose outboxes are `SeatOutbox`es, so the child's `outbox`, `clock`, `input_format`
    and `sticky_frame` work as in a graph while its frames go through the chain.

    Args:
        index: the child's place in the chain.
        engine: the child processor.
        runtime: the running graph (the chain's own).
        deliver: `deliver(index, frame, up)` for everything the child sends.
        interrupt: the chain's `request_interrupt`.
        formats: the child's negotiated (input, output) audio formats.
    """

    def __init__(
        self,
        index: int,
        engine: Processor,
        runtime: Runtime,
        deliver: Callable[[int, Frame, bool], Awaitable[None]],
        interrupt: Callable[[str], Awaitable[None]],
        formats: tuple[AudioFormat | None, AudioFormat | None],
    ) -> None:
        self.index = index
        self.engine = engine
        self.out = SeatOutbox(index, deliver, interrupt)
        self.up_out = SeatOutbox(index, deliver, interrupt, direction=Direction.UP)
        node = Node(engine, runtime, None)  # sets engine._node: its accessors read this node
        node.data_out = node.system_out = self.out
        node.up_out = self.up_out
        node.input_format, node.output_format = formats
        self.node = node
