"""RTVIDailyConnection: a Daily session speaking RTVI over app messages, as Pipecat does with Daily."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from voicegraph.framework.frames.control import EndFrame
from voicegraph.transports.daily.app_message_frame import AppMessageFrame
from voicegraph.transports.daily.daily_connection import DailyConnection
from voicegraph.transports.rtvi.rtvi_message import LABEL, dumps
from voicegraph.transports.rtvi.rtvi_outbox import RTVIOutbox
from voicegraph.transports.rtvi.rtvi_session import RTVISession

if TYPE_CHECKING:
    from voicegraph.framework.formats import AudioFormat
    from voicegraph.framework.frames.base import Frame

log = logging.getLogger("voicegraph.transports.daily")

ALWAYS = frozenset({"bot-ready", "error", "error-response"})
"""RTVI messages sent before the client said `client-ready` (answers to its requests)."""


class RTVIDailyConnection(DailyConnection):
    """A `DailyConnection` whose participant (or room) runs Pipecat's RTVI client over
    Daily app messages (`DailyConfig.rtvi`).

    Handles: app messages labelled `rtvi-ai` from the call (`feed`) go to the session's
    `RTVISession` instead of the graph: `client-ready` is answered `bot-ready`,
    `client-message` / `send-text` / `dtmf` become graph frames, `disconnect-bot` an
    `EndFrame` (drained), a bad one an `error` or `error-response` (the session goes
    on). Other app messages enter the graph as `AppMessageFrame`s, as without RTVI.
    Emits: the RTVI events of the frames reaching the output and of the LLM frames
    crossing the graph's links (`graph_observer`), `bot-tts-started` with a reply's first
    audio, `bot-interrupted` on a barge-in, as app messages to the participant (a
    per-room session: to everyone), in order, once its client is ready (answers to its
    requests at once). Latency: events leave from the session's sender task
    (`send_rtvi`), one event-loop turn and an app-message completion each; audio never
    waits on them. Flush: the barge-in clears the outgoing audio as `DailyConnection`.
    """

    def __init__(self, room: str, participant_id: str = "", **options: Any) -> None:
        super().__init__(room, participant_id, **options)
        self.rtvi = RTVISession(user_id=participant_id)
        self.outbox = RTVIOutbox()
        self.graph_observer = self.rtvi.observer(self.outbox.put)
        """Link probe telling the LLM frames inside the graph (see `RTVISession.observer`)."""
        self.rtvi_dropped = 0
        """Events not sent because the client was not ready yet."""

    # -- call side ------------------------------------------------------------------------
    def feed(self, frame: Frame) -> None:
        if not (isinstance(frame, AppMessageFrame) and frame.sender and _is_rtvi(frame.message)):
            super().feed(frame)
            return
        self.messages_in += 1
        reply = self.rtvi.receive(dumps(frame.message))
        self.outbox.put(reply.messages)
        for f in reply.frames:
            self._put(f)
        if reply.end:
            self._put(EndFrame(reason="client_end"))

    async def send_rtvi(self) -> None:
        """The session's sender: sends the queued RTVI messages, in order, until cancelled."""
        await self.outbox.run(self._send_one)

    async def _send_one(self, message: dict[str, Any]) -> None:
        if not self.rtvi.ready and message.get("type") not in ALWAYS:
            self.rtvi_dropped += 1
            return
        if self.send_app is not None and await self.send_app(message, self.participant_id or None):
            self.messages_out += 1

    # -- graph side -----------------------------------------------------------------------
    async def write_audio(self, data: bytes, fmt: AudioFormat, at_ns: int) -> None:
        self.outbox.put(self.rtvi.audio())
        await super().write_audio(data, fmt, at_ns)

    async def write_clear(self) -> None:
        await super().write_clear()
        self.outbox.put([self.rtvi.interrupted()])

    async def write_event(self, frame: Frame) -> None:
        self.outbox.put(self.rtvi.events(frame))
        await super().write_event(frame)


def _is_rtvi(message: object) -> bool:
    return isinstance(message, dict) and message.get("label") == LABEL
