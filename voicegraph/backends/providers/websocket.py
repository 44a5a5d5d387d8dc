"""WebSocket backend: sessions over WebSocket (raw PCM); the admitting transport Twilio reuses."""

from __future__ import annotations

import urllib.parse
from typing import TYPE_CHECKING, Any, ClassVar

from voicegraph.backends.backend import BackendCapabilities
from voicegraph.backends.hooks import ConnectRequest
from voicegraph.framework.errors import VoiceError
from voicegraph.transports.dtmf_frame import DTMFFrame
from voicegraph.transports.raw_pcm_serializer import RawPCMSerializer
from voicegraph.transports.websocket_transport import WebSocketTransport

if TYPE_CHECKING:
    from collections.abc import Callable

    from voicegraph.backends.session_manager import SessionManager
    from voicegraph.framework.frames.base import Frame
    from voicegraph.transports.client_messages import ClientStart
    from voicegraph.transports.serializer import Serializer


def connect_request(ws: Any, start: ClientStart, transport: str) -> ConnectRequest:
    """What the session manager needs to admit a WebSocket client: handshake and start message."""
    request = getattr(ws, "request", None)
    path = str(getattr(request, "path", "") or "")
    headers: dict[str, str] = {}
    if request is not None:
        for key, value in request.headers.raw_items():
            headers[key.lower()] = value
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query))
    remote = getattr(ws, "remote_address", None)
    where = f"{remote[0]}:{remote[1]}" if isinstance(remote, tuple) and len(remote) >= 2 else ""
    return ConnectRequest(
        transport=transport, remote=where, path=path.split("?", 1)[0], headers=headers,
        params={**query, **start.params}, resume=start.resume_token, call_id=start.call_id,
    )  # fmt: skip


class SessionWebSocketTransport(WebSocketTransport):
    """A `WebSocketTransport` whose sessions are admitted and run by a `SessionManager`.

    Admission happens after the client's start message and before the session is
    acknowledged, so a refused client gets one coded error and a close code (4401,
    4403, 4404, 4429) and never a `started` message. Session ids are the manager's
    (unguessable). A start with a resume token the transport does not know (the
    process restarted) is handed to the manager, which resumes the persisted session by
    id or by its old resume token.

    Args:
        manager: the backend's session manager.
        transport_name: name used in connect requests (`websocket`, `twilio`).
        options: `WebSocketTransport` keyword arguments (host, port, serializer...).
    """

    def __init__(self, manager: SessionManager, *, transport_name: str = "websocket", **options: Any) -> None:
        super().__init__(session_runner=manager.run, **options)
        self._manager = manager
        self._transport_name = transport_name

    def describe(self) -> dict[str, Any]:
        """Where it listens."""
        return {"kind": self._transport_name, "url": self.url, "connections": len(self.sessions)}

    async def _open(self, ws: Any, serializer: Serializer, start: ClientStart) -> None:
        if start.resume_token and start.resume_token in self._by_token:
            await self._resume(ws, serializer, start)
            return
        try:
            adm = await self._manager.admit(connect_request(ws, start, self._transport_name))
        except VoiceError as err:
            await self._reject(ws, serializer, err)
            return
        try:
            conn = self._connection(serializer, start)
            conn.session_id = adm.session_id
            conn.resumed = adm.resumed is not None
            if adm.resumed is not None and adm.resumed.resume_token and conn.resume_token:
                conn.resume_token = adm.resumed.resume_token
            await self._run(ws, conn)
        finally:
            self._manager.release(adm)


class WebSocketProvider:
    """Backend provider `websocket`: binary PCM plus JSON control (`RawPCMSerializer`).

    Options: `WebSocketTransport` arguments — host, port, max_size, start_timeout_s,
    resume_grace_s, max_bad_messages, and `reuse_port` (SO_REUSEPORT, for several workers).
    """

    name: ClassVar[str] = "websocket"
    capabilities: ClassVar[BackendCapabilities] = BackendCapabilities(
        min_latency_ms=20.0, codecs=("pcm_s16le",)
    )
    operations: ClassVar[dict[type[Frame], str]] = {DTMFFrame: "message.dtmf"}
    serializer: ClassVar[Callable[[], Serializer]] = RawPCMSerializer

    def create(self, manager: SessionManager, options: dict[str, Any]) -> SessionWebSocketTransport:
        """A WebSocket server for `manager`'s sessions."""
        return SessionWebSocketTransport(
            manager, transport_name=self.name, serializer=type(self).serializer, **options
        )
