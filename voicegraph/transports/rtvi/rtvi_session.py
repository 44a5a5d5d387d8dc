"""RTVISession: one session's RTVI state, whatever carries the messages (WebSocket, data channel)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.transports.rtvi.rtvi_events import RTVIEvents
from voicegraph.transports.rtvi.rtvi_graph_frames import INNER, RTVIGraphFrames
from voicegraph.transports.rtvi.rtvi_message import parse_json, parse_rtvi, rtvi_message
from voicegraph.transports.rtvi.rtvi_requests import RTVIReply, RTVIRequests

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from voicegraph.framework.frames.base import Frame
    from voicegraph.framework.node import Link

    GraphObserver = Callable[[Frame, Link], None]

log = logging.getLogger("voicegraph.transports.rtvi")


class RTVISession:
    """A session's RTVI side: client requests in, server events out; I/O-free.

    `receive` takes the JSON text of one transport message and returns what to answer
    and what to push into the graph (`RTVIReply`); a message that is not JSON or not a
    valid RTVI envelope is answered with an RTVI `error` (not fatal) and changes
    nothing, a message with another label is ignored (as Pipecat does). `events` maps a
    frame reaching the output to RTVI events, in the form the client's protocol
    version wants; `observer` makes a link probe that tells the frames the graph may
    consume or hold before its output (`bot-llm-started/-text/-stopped`, function
    calls, `user-transcription`: `rtvi_graph_frames.INNER`) where they first cross a
    link, each frame once whether seen inside or at the output. Adds no latency.

    Args:
        user_id: put on the transcripts of `send-text`.
    """

    def __init__(self, *, user_id: str = "") -> None:
        self.requests = RTVIRequests(user_id=user_id)
        self._events = RTVIEvents()
        self._frames = RTVIGraphFrames()
        self.bad_messages = 0
        """Messages answered with an error (invalid envelope or request)."""

    @property
    def ready(self) -> bool:
        """The client sent `client-ready`."""
        return self.requests.ready

    def receive(self, text: str) -> RTVIReply:
        """What one transport message from the client asks for."""
        try:
            msg = parse_rtvi(parse_json(text))
        except VoiceError as err:
            self.bad_messages += 1
            log.info("rtvi: bad message: %s", err)
            return RTVIReply(messages=[error_event(f"Invalid RTVI transport message: {err.message}")])
        if msg is None:
            log.debug("rtvi: ignoring a message that is not RTVI")
            return RTVIReply()
        reply = self.requests.handle(msg)
        refused = [m for m in reply.messages if m["type"] == "error-response"]
        if refused and msg.type != "client-ready":  # an unknown client version is only a warning
            self.bad_messages += 1
            error = refused[0]["data"]["error"]  # one coded line per refused request, as for a bad envelope
            log.info("rtvi: bad %s request: [%s] %s", msg.type[:40], ErrorCode.INVALID_INPUT, error)
        self._events.legacy = self.requests.legacy
        return reply

    def events(self, frame: Frame) -> list[dict[str, Any]]:
        """The RTVI events for a frame reaching the output (none if told from inside)."""
        if not self._frames.first_at_output(frame):
            return []
        return self._events.of(frame)

    def observer(self, sink: Callable[[Iterable[dict[str, Any]]], None]) -> GraphObserver:
        """A link probe (`Runtime.observe`) handing `sink` the RTVI events of frames
        crossing the graph's links (synchronously, in the graph's task; `sink` must not
        block). Stale frames (an interrupted epoch) are not told."""

        def probe(frame: Frame, link: Link) -> None:
            if type(frame) in INNER and self._frames.first_inside(frame, link.dst.runtime.epoch):
                sink(self._events.of(frame))

        return probe

    def audio(self) -> list[dict[str, Any]]:
        """Bot audio is about to be written: `bot-tts-started` when it opens a reply."""
        return self._events.audio()

    def interrupted(self) -> dict[str, Any]:
        """`bot-interrupted`."""
        return self._events.interrupted()


def error_event(error: str, *, fatal: bool = False) -> dict[str, Any]:
    """An RTVI `error` (not tied to a request)."""
    return rtvi_message("error", {"error": error, "fatal": fatal})
