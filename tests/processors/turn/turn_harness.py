"""A running graph around one turn detector, on a virtual clock, recording when frames leave."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from voicegraph.framework import Graph, Runtime, VirtualClock
from voicegraph.framework.frames import TurnEndFrame, UserStartedSpeakingFrame, UserStoppedSpeakingFrame

if TYPE_CHECKING:
    from voicegraph.framework.frames import Frame
    from voicegraph.framework.processor import Processor

SEC = 1_000_000_000


@dataclass
class TurnHarness:
    """Pushes speaking events and records (virtual time, frame) of every output."""

    rt: Runtime
    clock: VirtualClock
    out: list[tuple[int, Frame]] = field(default_factory=list)

    async def stopped(self, ago_s: float = 0.0) -> None:
        """The VAD says speech ended `ago_s` seconds ago."""
        end = self.clock.now_ns() - round(ago_s * SEC)
        await self.rt.push(UserStoppedSpeakingFrame(speech_end_ns=end))

    async def started(self) -> None:
        await self.rt.push(UserStartedSpeakingFrame())

    async def wait(self, seconds: float) -> None:
        await self.clock.sleep(seconds)

    def turn_ends(self) -> list[float]:
        """Virtual times (s) at which TurnEndFrames left the graph."""
        return [t / SEC for t, f in self.out if isinstance(f, TurnEndFrame)]

    def frames(self) -> list[Frame]:
        return [f for _, f in self.out]


def start_harness(*procs: Processor) -> TurnHarness:
    clock = VirtualClock()
    rt = Runtime(Graph.chain(*procs), clock=clock)
    harness = TurnHarness(rt, clock)
    rt.on_output(lambda f, _: harness.out.append((clock.now_ns(), f)))
    return harness
