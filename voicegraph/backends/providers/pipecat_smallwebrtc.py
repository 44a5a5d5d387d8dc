"""The `pipecat` provider's SmallWebRTC flavour: SmallWebRTC signalling admitted by a SessionManager."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from voicegraph.backends.providers.webrtc import SessionWebRTCTransport
from voicegraph.transports.rtvi.rtvi_message import dumps
from voicegraph.transports.webrtc.small_webrtc_connection import SmallWebRTCConnection
from voicegraph.transports.webrtc.small_webrtc_transport import SmallWebRTCTransport

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from voicegraph.backends.session_manager import SessionManager
    from voicegraph.transports.webrtc.webrtc_connection import WebRTCConnection


class PipecatSmallWebRTCTransport(SessionWebRTCTransport, SmallWebRTCTransport):
    """Pipecat SmallWebRTC clients (`POST`/`PATCH /api/offer`, RTVI on the data channel)
    whose sessions a `SessionManager` admits (on the offer, before any peer connection)
    and runs; see `SmallWebRTCTransport` and `SessionWebRTCTransport`. Each connection
    also tells the LLM frames crossing its graph's links (`graph_observer`: the stock
    agent's tokens never reach the output) on the data channel, in the graph's task."""

    def _new_connection(self, session_id: str) -> WebRTCConnection:
        conn = super()._new_connection(session_id)
        if isinstance(conn, SmallWebRTCConnection):
            conn.graph_observer = conn.rtvi.observer(_channel_sender(conn))  # type: ignore[attr-defined]
        return conn

    def describe(self) -> dict[str, Any]:
        """Where it listens."""
        url = f"{self.url.rstrip('/')}{self.offer_path}"
        return {"kind": "pipecat-smallwebrtc", "url": url, "connections": len(self.sessions)}


def create_smallwebrtc(manager: SessionManager, options: dict[str, Any]) -> PipecatSmallWebRTCTransport:
    """The SmallWebRTC server (options: `SmallWebRTCTransport` and `WebRTCTransport` arguments)."""
    return PipecatSmallWebRTCTransport(manager, **options)


def _channel_sender(conn: SmallWebRTCConnection) -> Callable[[Iterable[dict[str, Any]]], None]:
    """Sends RTVI messages on the connection's data channel at once (a channel send does
    not block, so they keep their order with the output's events)."""

    def send(messages: Iterable[dict[str, Any]]) -> None:
        for message in messages:
            conn._send(dumps(message))  # the connection's own channel writer

    return send
