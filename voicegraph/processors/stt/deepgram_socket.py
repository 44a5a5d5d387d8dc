"""DeepgramSocket: one live-transcription WebSocket to Deepgram (or a compatible server), with reconnects."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.websocket_handshake import open_websocket

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

log = logging.getLogger(__name__)
_STATUS = {
    400: ErrorCode.INVALID_CONFIG,
    401: ErrorCode.AUTHENTICATION_FAILED,
    402: ErrorCode.AUTHORIZATION_FAILED,
    403: ErrorCode.AUTHORIZATION_FAILED,
    429: ErrorCode.RATE_LIMIT_EXCEEDED,
}


def _refused(status: int, node: str) -> VoiceError:
    code = _STATUS.get(status, ErrorCode.CONNECTION_FAILED)
    msg = f"Deepgram refused the connection: HTTP {status}"
    return VoiceError(code, msg, node=node, retriable=code is ErrorCode.CONNECTION_FAILED)


def resolve_api_key(api_key: str | None, api_key_env: str, *, node: str) -> str:
    """The key given, else the one in `api_key_env`.

    Raises:
        VoiceError: `invalid_config` naming the field and the variable when neither is set.
    """
    key = api_key or os.environ.get(api_key_env, "")
    if not key:
        raise VoiceError(
            ErrorCode.INVALID_CONFIG,
            f"api_key: no Deepgram API key (set the {api_key_env} environment variable or api_key)",
            node=node,
        )
    return key


def listen_url(base_url: str, path: str, params: dict[str, str | int | float | bool | None]) -> str:
    """`<base_url><path>?<query>`; booleans as `true`/`false`, None values left out."""
    query = {
        k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in params.items() if v is not None
    }
    return f"{base_url.rstrip('/')}{path}?{urlencode(query)}"


class DeepgramSocket:
    """A live Deepgram socket: handshake with `Authorization: Token <key>`, JSON text in,
    binary audio and JSON control messages out, and reconnection after an abnormal close.

    `messages()` yields each server message as a dict. When the socket closes without
    the client asking (a dropped connection, a 1011 close), it reconnects up to
    `reconnects` times in a row, awaits `on_reconnect()` (the node resends what the
    server had not yet answered) and goes on; a normal close after `finish()` ends it.
    While the socket is down, `send_*` drop what they are given (the node's buffer
    holds the audio that matters).

    Args:
        url: the full `ws(s)://.../v1/listen?...` URL.
        api_key: the Deepgram key.
        node: node name for errors.
        open_timeout_s: handshake deadline.
        reconnects: reconnect attempts in a row before giving up.
        backoff_s: wait before the first reconnect attempt (doubles each time).
        on_malformed: told (protocol_error) of each server text message that is not
            JSON; such a message is skipped.
    """

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        node: str,
        open_timeout_s: float = 5.0,
        reconnects: int = 3,
        backoff_s: float = 0.1,
        on_malformed: Callable[[VoiceError], None] | None = None,
    ) -> None:
        self.url = url
        self._headers = {"Authorization": f"Token {api_key}"}
        self.node = node
        self.open_timeout_s = open_timeout_s
        self.reconnects = reconnects
        self.backoff_s = backoff_s
        self._on_malformed = on_malformed
        self._ws: Any = None
        self._finishing = False
        self.connections = 0
        """Successful handshakes so far (1 + reconnects)."""
        self.close_code: int | None = None
        self.close_reason = ""

    @property
    def is_open(self) -> bool:
        """Whether the socket is up."""
        return self._ws is not None

    @property
    def finishing(self) -> bool:
        """Whether `finish()` was called (only the server's last messages are to come)."""
        return self._finishing

    async def open(self) -> None:
        """Connect once.

        Raises:
            VoiceError: `authentication_failed` (401), `authorization_failed` (402/403),
                `invalid_config` (400: a bad parameter), `rate_limit_exceeded` (429),
                `connection_failed` (5xx, network), `connection_timeout`,
                `missing_dependency` without `websockets`.
        """
        self._ws = await open_websocket(
            self.url, self._headers, refused=lambda status: _refused(status, self.node), who="Deepgram",
            reach="Deepgram", bad_url="base_url", open_timeout_s=self.open_timeout_s, node=self.node,
        )  # fmt: skip
        self.connections += 1

    async def send_audio(self, data: bytes) -> bool:
        """Send audio; False when the socket is down (the bytes are not sent)."""
        return await self._send(data)

    async def send_json(self, message: dict[str, Any]) -> bool:
        """Send a control message; False when the socket is down."""
        return await self._send(json.dumps(message))

    async def _send(self, data: str | bytes) -> bool:
        ws = self._ws
        if ws is None:
            return False
        from websockets.exceptions import ConnectionClosed

        try:
            await ws.send(data)
        except ConnectionClosed:
            return False
        return True

    async def finish(self, message: dict[str, Any]) -> None:
        """Send the closing message (`CloseStream`): the server's normal close ends `messages()`."""
        self._finishing = True
        await self.send_json(message)

    async def messages(self, on_reconnect: Callable[[], Awaitable[None]]) -> AsyncIterator[dict[str, Any]]:
        """Server messages until a normal close (reconnecting after abnormal ones).

        Raises:
            VoiceError: (`connection_failed`, ...) when every reconnect attempt failed.
        """
        from websockets.exceptions import ConnectionClosed

        while True:
            ws = self._ws
            if ws is None:
                return
            try:
                raw = await ws.recv()
            except ConnectionClosed as exc:
                self._ws = None
                rcvd = exc.rcvd
                self.close_code, self.close_reason = (rcvd.code, rcvd.reason) if rcvd else (None, "")
                if self._finishing or self.close_code == 1000:
                    return
                log.warning("%s: Deepgram socket closed (%s %s); reconnecting", self.node, self.close_code,
                            self.close_reason)  # fmt: skip
                await self._reconnect()
                await on_reconnect()
                continue
            if isinstance(raw, str):
                try:
                    yield json.loads(raw)
                except ValueError:  # skipped, but said: it may have been a lost transcript
                    log.warning("%s: a Deepgram message is not JSON; skipped", self.node)
                    if self._on_malformed is not None:
                        msg = f"a Deepgram message is not JSON ({len(raw)} chars); skipped"
                        self._on_malformed(VoiceError(ErrorCode.PROTOCOL_ERROR, msg, node=self.node))

    async def _reconnect(self) -> None:
        if self.reconnects <= 0:
            msg = f"Deepgram socket closed ({self.close_code} {self.close_reason}) and reconnects=0"
            raise VoiceError(ErrorCode.CONNECTION_FAILED, msg, node=self.node, retriable=True)
        delay = self.backoff_s
        for attempt in range(self.reconnects):
            try:
                await self.open()
                return
            except VoiceError as exc:
                if not exc.retriable or attempt == self.reconnects - 1:
                    raise
            await asyncio.sleep(delay)
            delay *= 2

    async def close(self) -> None:
        """Close the socket (idempotent)."""
        ws, self._ws = self._ws, None
        if ws is not None:
            await ws.close()
