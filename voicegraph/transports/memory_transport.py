"""MemoryTransport: an in-process client and its session link, for apps and tests."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames.audio import InputAudioFrame, OutputAudioFrame
from voicegraph.framework.frames.control import EndFrame
from voicegraph.framework.frames.system import InterruptFrame, InterruptRequestFrame
from voicegraph.transports.connection import Connection

if TYPE_CHECKING:
    from voicegraph.framework.formats import AudioFormat
    from voicegraph.framework.frames.base import Frame


class MemoryTransport(Connection):
    """An in-process pair: the app side talks to a graph built on `input()`/`output()`.

    App side, in: `send_audio` (user audio as `InputAudioFrame`), `send_frame` (any
    frame), `interrupt` (barge-in request), `end` (end of input: the graph drains) and
    `disconnect` (the client is gone: the session is cancelled). App side, out:
    `next_output` / `outputs_nowait` return what the graph sent to the client, in order:
    each played chunk as an `OutputAudioFrame` whose `pts` is the clock time it started
    playing, events as their frames, and a clear as an `InterruptFrame(reason="clear")`.

    Both directions are bounded by `capacity`: a full input makes `send_*` wait; a full
    output drops its oldest item and counts it in `dropped`.

    Args:
        input_format: format of the user's audio.
        output_format: format the app receives (default: input_format).
        capacity: most items held per direction.
    """

    def __init__(
        self,
        *,
        input_format: AudioFormat = PCM16K,
        output_format: AudioFormat | None = None,
        capacity: int = 4096,
        session_id: str | None = None,
    ) -> None:
        super().__init__(input_format=input_format, output_format=output_format, session_id=session_id)
        self._in: asyncio.Queue[Frame | None] = asyncio.Queue(maxsize=capacity)
        self._out: asyncio.Queue[Frame] = asyncio.Queue(maxsize=capacity)
        self.dropped = 0
        """Output items dropped because the app did not read them in time."""

    # -- app side -------------------------------------------------------------------------
    async def send_audio(self, data: bytes) -> None:
        """Send user audio in `input_format`."""
        await self._in.put(InputAudioFrame(data=data, format=self.input_format))

    async def send_frame(self, frame: Frame) -> None:
        """Send any frame into the graph (e.g. a transcript or DTMF)."""
        await self._in.put(frame)

    async def interrupt(self) -> None:
        """Ask the graph for a barge-in interruption."""
        await self._in.put(InterruptRequestFrame(reason="client"))

    async def end(self) -> None:
        """End of input: the graph drains and the session finishes."""
        await self._in.put(EndFrame(reason="client_end"))

    async def disconnect(self) -> None:
        """The client is gone: the session is cancelled without draining."""
        await self._in.put(None)

    async def next_output(self) -> Frame:
        """Wait for the next thing the graph sent to the client."""
        return await self._out.get()

    def outputs_nowait(self) -> list[Frame]:
        """Everything the graph sent that the app has not read yet."""
        items: list[Frame] = []
        while not self._out.empty():
            items.append(self._out.get_nowait())
        return items

    # -- graph side -----------------------------------------------------------------------
    async def receive(self) -> Frame | None:
        return await self._in.get()

    async def write_audio(self, data: bytes, fmt: AudioFormat, at_ns: int) -> None:
        self._emit(OutputAudioFrame(data=data, format=fmt, pts=at_ns))

    async def write_event(self, frame: Frame) -> None:
        self._emit(frame)

    async def write_clear(self) -> None:
        self._emit(InterruptFrame(reason="clear"))

    def _emit(self, frame: Frame) -> None:
        if self._out.full():
            self._out.get_nowait()
            self.dropped += 1
        self._out.put_nowait(frame)
