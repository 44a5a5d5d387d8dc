"""VapiCallClient: creates a Vapi call on the WebSocket transport and carries its socket."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from voicegraph.framework.errors import ErrorCode, VoiceError

DEFAULT_BASE_URL = "https://api.vapi.ai"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_STATUS_CODES = {401: ErrorCode.AUTHENTICATION_FAILED, 403: ErrorCode.AUTHORIZATION_FAILED}


class VapiCallClient:
    """REST `POST /call` with `transport.provider = "vapi.websocket"`, then the call socket.

    Binary frames both ways are raw audio in the negotiated format; text frames are JSON
    control messages (protocol notes §2). One client is one call.

    Args:
        api_key: the private API key (`Authorization: Bearer`).
        base_url: the REST base (`https://api.vapi.ai`, or a fake on loopback).
        body: the `POST /call` body (assistant source, transport, overrides).
        timeout_s: deadline of the REST call and of the socket handshake.
        node: the node name for errors.
    """

    def __init__(
        self, *, api_key: str, base_url: str, body: dict[str, Any], timeout_s: float = 10.0, node: str = ""
    ) -> None:
        self.api_key, self.base_url, self.body = api_key, base_url.rstrip("/"), body
        self.timeout_s, self.node = timeout_s, node
        self.call: dict[str, Any] = {}
        """The call Vapi returned (id, status, transport.websocketCallUrl...)."""
        self._ws: Any = None  # websockets ClientConnection (Any keeps the package optional)

    @property
    def call_id(self) -> str:
        """The call's id ('' before `create`)."""
        return str(self.call.get("id", ""))

    async def create(self) -> dict[str, Any]:
        """`POST /call`; returns the call.

        Raises:
            VoiceError: authentication_failed / authorization_failed (401/403),
                invalid_config (other 4xx, the reply's message), connection_failed
                (network or 5xx), protocol_error (no `websocketCallUrl` in the reply).
        """
        import httpx

        try:
            async with httpx.AsyncClient(timeout=self.timeout_s) as http:
                reply = await http.post(
                    f"{self.base_url}/call",
                    json=self.body,
                    headers={"Authorization": f"Bearer {self.api_key}"},
                )
        except httpx.HTTPError as exc:
            raise VoiceError(
                ErrorCode.CONNECTION_FAILED, f"cannot reach Vapi: {exc}", node=self.node
            ) from exc
        if reply.status_code >= 400:
            code = _STATUS_CODES.get(reply.status_code, ErrorCode.INVALID_CONFIG)
            if reply.status_code >= 500:
                code = ErrorCode.CONNECTION_FAILED
            raise VoiceError(code, f"POST /call: {reply.status_code} {reply.text[:200]}", node=self.node)
        self.call = dict(reply.json())
        if not self.websocket_url():
            raise VoiceError(
                ErrorCode.PROTOCOL_ERROR, "POST /call reply has no websocketCallUrl", node=self.node
            )
        return self.call

    def websocket_url(self) -> str:
        """`transport.websocketCallUrl` of the created call."""
        transport = self.call.get("transport") or {}
        return str(transport.get("websocketCallUrl", "")) if isinstance(transport, dict) else ""

    async def connect(self) -> None:
        """Open the call socket (no extra header: the URL itself is the secret).

        Raises:
            VoiceError: missing_dependency (no `websockets`), connection_failed, connection_timeout.
        """
        try:
            from websockets.asyncio.client import connect
        except ImportError:  # pragma: no cover - websockets is in the venv
            raise VoiceError(ErrorCode.MISSING_DEPENDENCY, "pip install websockets", node=self.node) from None
        url = self.websocket_url()
        host = urlsplit(url).hostname or ""
        try:
            self._ws = await connect(
                url, open_timeout=self.timeout_s, compression=None, max_size=2**22,
                proxy=None if host in _LOOPBACK else True,
            )  # fmt: skip
        except TimeoutError as exc:
            raise VoiceError(
                ErrorCode.CONNECTION_TIMEOUT, "Vapi call socket timed out", node=self.node
            ) from exc
        except Exception as exc:  # websockets raises OSError and its own handshake errors
            raise VoiceError(ErrorCode.CONNECTION_FAILED, f"Vapi call socket: {exc}", node=self.node) from exc

    @property
    def open(self) -> bool:
        """Whether the socket is connected."""
        return self._ws is not None

    async def send_audio(self, data: bytes) -> None:
        """One binary frame of audio (dropped once the socket closed: the call is over)."""
        await self._send(data)

    async def send_json(self, message: dict[str, Any]) -> None:
        """One JSON control message (`hangup`, `say`, `add-message`, `control`...)."""
        await self._send(json.dumps(message, separators=(",", ":")))

    async def _send(self, data: str | bytes) -> None:
        from websockets.exceptions import ConnectionClosed

        ws = self._ws
        if ws is None:
            return
        try:
            await ws.send(data)
        except ConnectionClosed:
            self._ws = None

    async def recv(self) -> str | bytes | None:
        """The next message, or None once the socket closed."""
        from websockets.exceptions import ConnectionClosed

        ws = self._ws
        if ws is None:
            return None
        try:
            message: str | bytes = await ws.recv()
        except ConnectionClosed:
            self._ws = None
            return None
        return message

    async def close(self) -> None:
        """Close the socket (idempotent)."""
        ws, self._ws = self._ws, None
        if ws is not None:
            await ws.close()
