"""ConnectionOutput: the sink node that plays bot audio to a client through its connection."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voicegraph.transports.playout_output import PlayoutOutput

if TYPE_CHECKING:
    from voicegraph.framework.formats import AudioFormat
    from voicegraph.framework.frames.base import Frame
    from voicegraph.framework.frames.call import CallActionFrame
    from voicegraph.transports.connection import Connection
    from voicegraph.transports.playout_options import PlayoutOptions


class ConnectionOutput(PlayoutOutput):
    """Sink node of a session graph: paced playout (see `PlayoutOutput`) to one client.

    Handles bot audio and every frame reaching the sink; emits speaking events and
    reply reports as `PlayoutOutput` does, writing through the `Connection` (audio,
    events, clear on barge-in, marks when the medium echoes them). Latency: one chunk.
    Flush: stops within one chunk and clears the client's buffer. Drain: plays the
    rest. A hang-up or transfer is the connection's to carry out
    (`Connection.perform_call_action`). On stop it finishes the connection.

    Args:
        conn: the client's connection; its `output_format` is this node's format.
        playout: pacing settings (`PlayoutOptions`).
    """

    def __init__(
        self,
        conn: Connection,
        *,
        playout: PlayoutOptions | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(audio_format=conn.output_format, playout=playout, name=name)
        self._conn = conn
        self.marks = conn.supports_marks

    async def write_audio(self, data: bytes, fmt: AudioFormat, at_ns: int) -> None:
        await self._conn.write_audio(data, fmt, at_ns)

    async def write_event(self, frame: Frame) -> None:
        await self._conn.write_event(frame)

    async def write_clear(self) -> None:
        await self._conn.write_clear()

    async def write_mark(self, name: str) -> None:
        await self._conn.write_mark(name)

    async def perform_call_action(self, frame: CallActionFrame) -> None:
        await self._conn.perform_call_action(frame)

    async def on_stop(self) -> None:
        self._conn.finish()
