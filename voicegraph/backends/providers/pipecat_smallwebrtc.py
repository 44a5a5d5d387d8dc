"""The `pipecat` provider's SmallWebRTC flavour: SmallWebRTC signalling admitted by a SessionManager."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from voicegraph.backends.providers.webrtc import SessionWebRTCTransport
from voicegraph.transports.webrtc.small_webrtc_transport import SmallWebRTCTransport

if TYPE_CHECKING:
    from voicegraph.backends.session_manager import SessionManager


class PipecatSmallWebRTCTransport(SessionWebRTCTransport, SmallWebRTCTransport):
    """Pipecat SmallWebRTC clients (`POST`/`PATCH /api/offer`, RTVI on the data channel)
    whose sessions a `SessionManager` admits (on the offer, before any peer connection)
    and runs; see `SmallWebRTCTransport` and `SessionWebRTCTransport`. Each connection's
    `graph_observer` tells the LLM frames crossing its graph's links on the data channel
    (the stock agent's tokens never reach the output)."""

    def describe(self) -> dict[str, Any]:
        """Where it listens."""
        url = f"{self.url.rstrip('/')}{self.offer_path}"
        return {"kind": "pipecat-smallwebrtc", "url": url, "connections": len(self.sessions)}


def create_smallwebrtc(manager: SessionManager, options: dict[str, Any]) -> PipecatSmallWebRTCTransport:
    """The SmallWebRTC server (options: `SmallWebRTCTransport` and `WebRTCTransport` arguments)."""
    return PipecatSmallWebRTCTransport(manager, **options)
