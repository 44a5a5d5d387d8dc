"""WebRTC transport (aiortc, pip extra `webrtc`): browsers talk to a session graph.

`WebRTCTransport` serves HTTP signalling (`POST /offer`) and a bundled web page from one
process; each peer connection is one `WebRTCConnection` running its own graph. Opus both
ways, converted to the graph's formats. No STUN or TURN unless configured (`IceServer`).
`WebRTCClient` calls such a server from Python. aiortc is imported only when a connection,
client or server starts, so this package imports without it.

    from voicegraph.graphs.voice_agent import build_voice_agent
    async with WebRTCTransport(build_voice_agent, host="127.0.0.1", port=8080) as web:
        print("open", web.url)            # microphone access needs localhost or https
        await asyncio.Event().wait()

Behind NAT, pass `ice_servers=["stun:...", {"urls": "turn:...", "username": ..., "credential": ...}]`.
"""

from voicegraph.transports.webrtc.data_channel_codec import DataChannelCodec as DataChannelCodec
from voicegraph.transports.webrtc.http_message import HttpError as HttpError
from voicegraph.transports.webrtc.http_message import HttpRequest as HttpRequest
from voicegraph.transports.webrtc.http_message import HttpResponse as HttpResponse
from voicegraph.transports.webrtc.http_server import HttpServer as HttpServer
from voicegraph.transports.webrtc.ice_server import IceServer as IceServer
from voicegraph.transports.webrtc.inbound_audio_converter import (
    InboundAudioConverter as InboundAudioConverter,
)
from voicegraph.transports.webrtc.session_offer import SessionOffer as SessionOffer
from voicegraph.transports.webrtc.webrtc_client import ReceivedAudio as ReceivedAudio
from voicegraph.transports.webrtc.webrtc_client import WebRTCClient as WebRTCClient
from voicegraph.transports.webrtc.webrtc_connection import WebRTCConnection as WebRTCConnection
from voicegraph.transports.webrtc.webrtc_transport import WebRTCTransport as WebRTCTransport

__all__ = [
    "DataChannelCodec",
    "HttpError",
    "HttpRequest",
    "HttpResponse",
    "HttpServer",
    "IceServer",
    "InboundAudioConverter",
    "ReceivedAudio",
    "SessionOffer",
    "WebRTCClient",
    "WebRTCConnection",
    "WebRTCTransport",
]
