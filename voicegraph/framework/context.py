"""StartContext: what a node gets when its graph starts (a narrow view, not the Runtime)."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Coroutine, Mapping

    from voicegraph.framework.bus import Bus
    from voicegraph.framework.clock import Clock
    from voicegraph.framework.formats import AudioFormat
    from voicegraph.framework.frames.base import Frame
    from voicegraph.framework.processor import Processor
    from voicegraph.framework.runtime import Runtime


class StartContext:
    """Per-node start information: names, formats, session metadata, the graph's clock,
    bus, epoch and shared state, a task spawner, and a way in for input nodes.

    Args:
        runtime: the running graph (kept private: nodes use the accessors below).
        node: the node's name.
        input_format, output_format: the audio formats negotiated for the node.
        metadata: per-session values (`Runtime(metadata=...)`).
    """

    __slots__ = ("_rt", "input_format", "metadata", "node", "output_format")

    def __init__(
        self,
        runtime: Runtime,
        node: str,
        input_format: AudioFormat | None,
        output_format: AudioFormat | None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._rt = runtime
        self.node = node
        """The node's name."""
        self.input_format = input_format
        """The audio format negotiated for the node's input (None: no audio)."""
        self.output_format = output_format
        """The audio format the node produces (None: no audio)."""
        self.metadata: dict[str, Any] = metadata if metadata is not None else {}
        """Per-session values (caller id, variables, resumed...)."""

    @property
    def graph_name(self) -> str:
        """The running graph's name (events on the bus carry it)."""
        return self._rt.name

    @property
    def epoch(self) -> int:
        """The graph's interruption generation now (it grows with every interruption)."""
        return self._rt.epoch

    @property
    def clock(self) -> Clock:
        """The graph's clock."""
        return self._rt.clock

    @property
    def bus(self) -> Bus:
        """The graph's bus (errors, metrics, events)."""
        return self._rt.bus

    @property
    def shared(self) -> dict[str, Any]:
        """State shared by the nodes of this running graph (one dict per session's graph),
        e.g. a conversation context that two aggregators name alike."""
        return self._rt.shared

    @property
    def processors(self) -> Mapping[str, Processor]:
        """The graph's processors by name, read-only (to check a required neighbour)."""
        return MappingProxyType(self._rt.graph.processors)

    def spawn(self, coro: Coroutine[Any, Any, None], name: str | None = None) -> asyncio.Task[None]:
        """Run `coro` in the graph's task group; it is cancelled when the graph stops."""
        return self._rt.spawn(coro, name=name or f"{self.node}:bg")

    async def push(self, frame: Frame) -> None:
        """Feed `frame` into the graph's heads as from outside (an input's `EndFrame` ends
        the whole stream this way); same as `Runtime.push`."""
        await self._rt.push(frame)
