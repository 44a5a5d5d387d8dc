"""StartContext: what a node gets when its graph starts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Coroutine

    from voicegraph.framework.bus import Bus
    from voicegraph.framework.clock import Clock
    from voicegraph.framework.formats import AudioFormat
    from voicegraph.framework.runtime import Runtime


@dataclass(slots=True)
class StartContext:
    """Per-node start information: clock, bus, negotiated formats, and a task spawner."""

    runtime: Runtime
    node: str
    input_format: AudioFormat | None
    output_format: AudioFormat | None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def clock(self) -> Clock:
        """The graph's clock."""
        return self.runtime.clock

    @property
    def bus(self) -> Bus:
        """The graph's bus (errors, metrics, events)."""
        return self.runtime.bus

    def spawn(self, coro: Coroutine[Any, Any, None], name: str | None = None) -> asyncio.Task[None]:
        """Run `coro` in the graph's task group; it is cancelled when the graph stops."""
        return self.runtime.spawn(coro, name=name or f"{self.node}:bg")
