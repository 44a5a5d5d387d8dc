"""Small processors used by the runtime tests."""

from __future__ import annotations

import asyncio

from voicegraph.framework import Outbox, Processor, handles
from voicegraph.framework.frames import EndFrame, Frame, InterruptFrame, SystemFrame, TextFrame


class Recorder(Processor):
    """Records every frame it sees (data, system, interruptions) and passes data on."""

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self.seen: list[Frame] = []
        self.interrupts: list[InterruptFrame] = []
        self.flushes = 0
        self.drains = 0
        self.stopped = 0

    @handles
    async def on_text(self, frame: TextFrame, out: Outbox) -> None:
        self.seen.append(frame)
        await out.send(frame)

    @handles
    async def on_system(self, frame: SystemFrame, out: Outbox) -> None:
        self.seen.append(frame)
        await out.send(frame)

    @handles
    async def on_interrupt(self, frame: InterruptFrame, out: Outbox) -> None:
        self.interrupts.append(frame)

    async def on_flush(self) -> None:
        self.flushes += 1

    async def on_drain(self, out: Outbox) -> None:
        self.drains += 1

    async def on_stop(self) -> None:
        self.stopped += 1


class QueuedRecorder(Recorder):
    """A recorder that runs in its own task behind an edge."""

    concurrent = True


class Gate(Processor):
    """A queued node whose handler waits on an event: lets tests hold frames in its lane."""

    concurrent = True

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self.open = asyncio.Event()
        self.entered = asyncio.Event()
        self.cancelled = 0

    @handles
    async def on_text(self, frame: TextFrame, out: Outbox) -> None:
        self.entered.set()
        try:
            await self.open.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        await out.send(frame)


class Failing(Processor):
    """Raises on every text frame whose text is 'boom'."""

    @handles
    async def on_text(self, frame: TextFrame, out: Outbox) -> None:
        if frame.text == "boom":
            raise RuntimeError("boom")
        await out.send(frame)


def texts(frames: list[Frame]) -> list[str]:
    """The texts of the text frames in `frames`."""
    return [f.text for f in frames if isinstance(f, TextFrame)]


def ends(frames: list[Frame]) -> int:
    """How many end frames are in `frames`."""
    return sum(isinstance(f, EndFrame) for f in frames)


class Upper(Processor):
    """The README's kind of custom node: upper-cases plain text (`TextFrame` only; the
    rest of the text family passes through) and keeps what it handled in `seen`."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[TextFrame] = []

    @handles
    async def on_text(self, frame: TextFrame, out: Outbox) -> None:
        self.seen.append(frame)
        await out.send(TextFrame(text=frame.text.upper()))
