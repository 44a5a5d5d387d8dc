"""ConnectionInput: the head node that brings a client's audio and messages into a graph."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from voicegraph.framework.bus import ErrorEvent
from voicegraph.framework.frames.control import EndFrame
from voicegraph.framework.processor import Processor

if TYPE_CHECKING:
    from voicegraph.framework.context import StartContext
    from voicegraph.framework.errors import VoiceError
    from voicegraph.framework.formats import AudioFormat
    from voicegraph.transports.connection import Connection


class ConnectionInput(Processor):
    """Head node of a session graph: pushes what the client sends into the graph.

    Handles nothing itself; upstream frames reaching it leave the graph's head as usual.
    Emits what `Connection.receive` yields, as it arrives: `InputAudioFrame` in the
    connection's input format, the client's text, DTMF and interruption requests
    (which interrupt the graph). Latency: none added. Not interruptible (it is on the
    user's input path). A clean end from the client starts the graph's drain (an
    `EndFrame` into the heads); a lost client finishes the connection, so the session
    runner cancels the graph. Client-side failures the connection reports (bad messages)
    go on the graph's bus as this node's errors. On stop it finishes the connection.
    """

    interruptible = False
    background_output = True  # frames leave from the reader task

    def __init__(self, conn: Connection, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self._conn = conn
        self._ctx: StartContext | None = None

    def output_format(self, input_format: AudioFormat | None) -> AudioFormat | None:
        """The client's audio format."""
        return self._conn.input_format

    async def on_start(self, ctx: StartContext) -> None:
        self._ctx = ctx
        self._conn.reporter = self._publish
        for err in self._conn.errors:  # reported before the graph ran (e.g. while it started)
            self._publish(err)
        ctx.spawn(self._read(), name=f"{self.name}:read")

    def _publish(self, err: VoiceError) -> None:
        if self._ctx is not None:
            bus = self._ctx.bus
            bus.publish(ErrorEvent(graph=bus.name, error=err if err.node else err.with_node(self.name),
                                   node=self.name))  # fmt: skip

    async def _read(self) -> None:
        try:
            while (frame := await self._conn.receive()) is not None:
                if isinstance(frame, EndFrame):
                    assert self._ctx is not None
                    await self._ctx.push(frame)
                    return
                await self.outbox.send(frame)
        except asyncio.CancelledError:
            raise
        except Exception:
            self._conn.finish(lost=True)
            raise
        self._conn.finish(lost=True)

    async def on_stop(self) -> None:
        self._conn.finish()
