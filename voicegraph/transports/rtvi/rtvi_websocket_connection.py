"""RTVIWebSocketConnection: a WebSocket session speaking Pipecat's protocol (protobuf + RTVI)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from voicegraph.framework.frames.system import UserStartedSpeakingFrame, UserStoppedSpeakingFrame
from voicegraph.transports.rtvi.protobuf_serializer import ClientFrame, PipecatProtobufSerializer
from voicegraph.transports.rtvi.rtvi_outbox import RTVIOutbox
from voicegraph.transports.websocket_connection import WebSocketConnection

if TYPE_CHECKING:
    from voicegraph.framework.formats import AudioFormat
    from voicegraph.framework.frames.base import Frame
    from voicegraph.transports.client_messages import ClientMessage, ClientStart

log = logging.getLogger("voicegraph.transports.rtvi")


class BargeInTimer:
    """Measures, per barge-in, how long bot audio went on after the VAD's decision.

    The decision is the `UserStartedSpeakingFrame`'s graph-clock time (`pts`); the end
    of bot audio is the end of the last chunk written after it (chunks carry their
    graph-clock start). Reported (logged, and kept in `last_ms`) when the user stops.
    """

    def __init__(self) -> None:
        self._vad_ns: int | None = None
        self._audio_end_ns = 0
        self.last_ms: float | None = None
        """End of bot audio minus the last barge-in's VAD decision, in ms (negative: the
        audio stopped before the decision reached the output, the interruption being faster)."""

    def on_audio(self, at_ns: int, duration_ns: int) -> None:
        """A chunk of bot audio starting at `at_ns` was written."""
        self._audio_end_ns = at_ns + duration_ns

    def on_event(self, frame: Frame, session_id: str, interrupted: bool) -> None:
        """A frame reached the output (speaking frames matter)."""
        if isinstance(frame, UserStartedSpeakingFrame):
            self._vad_ns = frame.pts
        elif isinstance(frame, UserStoppedSpeakingFrame) and self._vad_ns is not None:
            if interrupted:
                self.last_ms = (self._audio_end_ns - self._vad_ns) / 1e6
                log.info("session %s: barge-in: bot audio went on %.1f ms after the VAD decision",
                         session_id, self.last_ms)  # fmt: skip
            self._vad_ns = None


class RTVIWebSocketConnection(WebSocketConnection):
    """A session's link to a Pipecat WebSocket client (`PipecatProtobufSerializer`).

    As `WebSocketConnection`, plus RTVI: after each client message the serializer's
    RTVI answers (bot-ready, error-response...) are sent at once and the graph frames
    its requests stand for are queued like client audio. Frames reaching the output go
    out as RTVI events (several per frame when RTVI has several), and so do the LLM
    frames crossing the graph's links (`graph_observer`, attached by the session layer:
    the stock agent's tokens never reach the output); all RTVI events go through one
    `RTVIOutbox`, so they leave in the order they happened. A barge-in that cuts
    the bot sends `bot-interrupted`. Bot audio stops within one playout chunk of the
    interruption (the output paces audio in real time, so the client holds little);
    `barge_in.last_ms` and the log say how long after the VAD decision it did.
    """

    serializer: PipecatProtobufSerializer

    def __init__(self, serializer: PipecatProtobufSerializer, start: ClientStart, **options: Any) -> None:
        super().__init__(serializer, start, **options)
        self.barge_in = BargeInTimer()
        self._interrupted = False
        self.outbox = RTVIOutbox()
        self.graph_observer = self.serializer.rtvi.observer(self.outbox.put)
        """Link probe telling the LLM frames inside the graph (see `RTVISession.observer`)."""

    async def pump(self, ws: Any) -> None:
        async with asyncio.TaskGroup() as tg:  # the sender lives as long as the socket is read
            sender = tg.create_task(self.outbox.run(self._send_rtvi), name=f"rtvi-out:{self.session_id}")
            try:
                await super().pump(ws)
            finally:
                sender.cancel()

    async def _send_rtvi(self, message: dict[str, Any]) -> None:
        await self._send(self.serializer.encode_message(message))

    async def _after_parse(self) -> None:
        for reply in self.serializer.take_replies():
            await self._send(reply)
        for item in self.serializer.take_inputs():
            self._enqueue(item)

    async def _to_frame(self, msg: ClientMessage | None) -> Frame | None:
        if isinstance(msg, ClientFrame):
            return msg.frame
        return await super()._to_frame(msg)

    async def write_audio(self, data: bytes, fmt: AudioFormat, at_ns: int) -> None:
        self.barge_in.on_audio(at_ns, fmt.duration_ns(len(data)))
        self.outbox.put(self.serializer.rtvi.audio())
        await self.outbox.flush(self._send_rtvi)
        await super().write_audio(data, fmt, at_ns)

    async def write_event(self, frame: Frame) -> None:
        # the clear (flush) comes before the VAD's UserStartedSpeakingFrame reaches the
        # output, so the barge-in is known as such once the user stops
        self.barge_in.on_event(frame, self.session_id, self._interrupted)
        if isinstance(frame, UserStoppedSpeakingFrame):
            self._interrupted = False
        self.outbox.put(self.serializer.rtvi.events(frame))
        await self.outbox.flush(self._send_rtvi)

    async def write_clear(self) -> None:
        self._interrupted = True
        self.outbox.put([self.serializer.rtvi.interrupted()])
        await self.outbox.flush(self._send_rtvi)
