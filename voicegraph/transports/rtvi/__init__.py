"""RTVI, the protocol of Pipecat's client SDKs, server side: messages, events, wire formats.

`RTVISession` is the transport-independent part (requests in, events out);
`PipecatProtobufSerializer` and `RTVIWebSocketConnection` carry it over Pipecat's
WebSocket protocol; the SmallWebRTC signalling carries it over the data channel.
"""

from __future__ import annotations

from voicegraph.transports.rtvi.protobuf_serializer import (
    PipecatProtobufSerializer as PipecatProtobufSerializer,
)
from voicegraph.transports.rtvi.rtvi_frames import RTVIClientMessageFrame as RTVIClientMessageFrame
from voicegraph.transports.rtvi.rtvi_frames import RTVIServerMessageFrame as RTVIServerMessageFrame
from voicegraph.transports.rtvi.rtvi_session import RTVISession as RTVISession
from voicegraph.transports.rtvi.rtvi_websocket_connection import (
    RTVIWebSocketConnection as RTVIWebSocketConnection,
)

__all__ = [
    "PipecatProtobufSerializer",
    "RTVIClientMessageFrame",
    "RTVIServerMessageFrame",
    "RTVISession",
    "RTVIWebSocketConnection",
]
