"""SmallWebRTCConnection: a WebRTC session for Pipecat's SmallWebRTC client, RTVI on its data channel."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode
from voicegraph.framework.frames.control import EndFrame
from voicegraph.framework.frames.system import UserStoppedSpeakingFrame
from voicegraph.transports.rtvi.rtvi_message import dumps
from voicegraph.transports.rtvi.rtvi_session import RTVISession
from voicegraph.transports.rtvi.rtvi_websocket_connection import BargeInTimer
from voicegraph.transports.webrtc.http_message import HttpError
from voicegraph.transports.webrtc.webrtc_connection import WebRTCConnection

if TYPE_CHECKING:
    from collections.abc import Iterable

    from voicegraph.framework.formats import AudioFormat
    from voicegraph.framework.frames.base import Frame

log = logging.getLogger("voicegraph.transports.webrtc")

SIGNALLING = "signalling"


class SmallWebRTCConnection(WebRTCConnection):
    """A `WebRTCConnection` speaking what Pipecat's `SmallWebRTCTransport` client expects.

    The client opens the data channel (`chat`) and sends JSON on it: RTVI messages
    (answered and turned into graph frames by an `RTVISession`), `signalling` messages
    (`trackStatus`: noted, the audio track is always read) and keep-alive `ping: <ms>`
    strings (ignored). Frames reaching the output go out as RTVI events on the channel;
    a barge-in clears the outgoing track and sends `bot-interrupted`. `renegotiate`
    answers a new offer on the same peer connection. `pc_id` is the session id.
    Latency: none beyond `WebRTCConnection`'s. Ends like `WebRTCConnection`, and on
    RTVI `disconnect-bot` (drained).
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.rtvi = RTVISession(user_id=self.session_id)
        self.graph_observer = self.rtvi.observer(self._send_rtvi)
        """Link probe the session layer attaches: LLM text and transcripts from inside the graph."""
        self.barge_in = BargeInTimer()
        self._interrupted = False
        self.track_enabled: dict[int, bool] = {}
        """The client's `trackStatus` by transceiver index (0: microphone)."""

    @property
    def pc_id(self) -> str:
        """The peer connection id the client sends back (renegotiation, ICE candidates)."""
        return self.session_id

    def _send_rtvi(self, messages: Iterable[dict[str, Any]]) -> None:
        # A data-channel send does not block, so events keep their order with the output's.
        for message in messages:
            self._send(dumps(message))

    async def renegotiate(self, offer_sdp: str) -> str:
        """Answer a new offer on the live peer connection (the client added or changed tracks).

        Raises:
            HttpError: (400 invalid_input) aiortc rejected the offer.
        """
        from aiortc import RTCSessionDescription

        try:
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
            await self.pc.setLocalDescription(await self.pc.createAnswer())
        except Exception as exc:  # aiortc raises assorted errors on an offer it cannot apply
            raise HttpError(400, ErrorCode.INVALID_INPUT, f"renegotiation offer rejected: {exc}") from None
        return str(self.pc.localDescription.sdp)

    def _on_datachannel(self, channel: Any) -> None:
        if self._channel is not None:
            channel.close()
            return
        self._channel = channel
        channel.on("message", self._on_message)

    def _on_message(self, message: str | bytes) -> None:
        if isinstance(message, bytes):
            message = message.decode("utf-8", "replace")
        if message.startswith("ping"):
            return  # the client's keep-alive
        if (
            message.lstrip().startswith("{")
            and f'"{SIGNALLING}"' in message[:200]
            and self._signalling(message)
        ):
            return
        reply = self.rtvi.receive(message)
        for out in reply.messages:
            self._send(dumps(out))
        for frame in reply.frames:
            self._put(frame)
        if reply.end:
            self._put(EndFrame(reason="client_end"))

    def _signalling(self, message: str) -> bool:
        """Note a `signalling` message; False when it is not one after all."""
        import json

        try:
            obj = json.loads(message)
        except (ValueError, RecursionError):  # not JSON, or nested too deep: RTVI answers it
            return False
        if not isinstance(obj, dict) or obj.get("type") != SIGNALLING:
            return False
        inner = obj.get("message")
        if isinstance(inner, dict) and inner.get("type") == "trackStatus":
            index, enabled = inner.get("receiver_index"), inner.get("enabled")
            if isinstance(index, int) and isinstance(enabled, bool):
                self.track_enabled[index] = enabled
        return True

    async def write_audio(self, data: bytes, fmt: AudioFormat, at_ns: int) -> None:
        self.barge_in.on_audio(at_ns, fmt.duration_ns(len(data)))
        for message in self.rtvi.audio():
            self._send(dumps(message))
        await super().write_audio(data, fmt, at_ns)

    async def write_event(self, frame: Frame) -> None:
        self.barge_in.on_event(frame, self.session_id, self._interrupted)
        if isinstance(frame, UserStoppedSpeakingFrame):
            self._interrupted = False
        for message in self.rtvi.events(frame):
            self._send(dumps(message))

    async def write_clear(self) -> None:
        self._interrupted = True
        self.track.clear()
        self._send(dumps(self.rtvi.interrupted()))

    def send_error(self, err: Any) -> None:
        from voicegraph.transports.rtvi.rtvi_session import error_event

        self._send(dumps(error_event(f"{err.code}: {err.message}", fatal=True)))
