"""CartesiaSocket: one WebSocket to Cartesia (TTS or STT) with the documented handshake.

Shared by `CartesiaTTS` and `CartesiaSTT`. The handshake sends `X-API-Key` and
`Cartesia-Version` headers (what Pipecat sends; the official SDK sends a bearer token,
which Cartesia accepts too); the base URL's scheme maps `http(s)` to `ws(s)`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.websocket_handshake import open_websocket

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Mapping

DEFAULT_BASE_URL = "https://api.cartesia.ai"
API_VERSION = "2026-03-01"
"""The `Cartesia-Version` sent by default (the one Pipecat pins)."""


@dataclass(frozen=True, slots=True)
class CartesiaAccess:
    """Where and as whom to connect: resolved once, when a node is made."""

    api_key: str
    base_url: str
    version: str

    @classmethod
    def resolve(
        cls, *, api_key_env: str, base_url: str | None, version: str, node: str | None = None
    ) -> CartesiaAccess:
        """Key from `api_key_env`; base URL from the param, else `CARTESIA_BASE_URL`, else the API.

        Raises:
            VoiceError: (invalid_config) the key's environment variable is unset or empty.
        """
        key = os.environ.get(api_key_env, "").strip()
        if not key:
            raise VoiceError(
                ErrorCode.INVALID_CONFIG,
                f"api_key_env: environment variable {api_key_env} (the Cartesia API key) is not set",
                node=node,
            )
        base = base_url or os.environ.get("CARTESIA_BASE_URL") or DEFAULT_BASE_URL
        return cls(api_key=key, base_url=base.rstrip("/"), version=version)

    def url(self, path: str, query: Mapping[str, object] | None = None) -> str:
        """`ws(s)://host/<path>?<query>` (None values left out)."""
        parts = urlsplit(self.base_url)
        scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
        q = urlencode({k: str(v).lower() if isinstance(v, bool) else v for k, v in (query or {}).items()
                       if v is not None})  # fmt: skip
        return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + path, q, ""))

    def headers(self) -> dict[str, str]:
        """The handshake headers."""
        return {"X-API-Key": self.api_key, "Cartesia-Version": self.version}


def handshake_error(status: int, node: str | None) -> VoiceError:
    """A coded error for an HTTP status that refused the upgrade."""
    if status == 401:
        return VoiceError(ErrorCode.AUTHENTICATION_FAILED, "Cartesia refused the API key", node=node)
    if status == 403:
        return VoiceError(ErrorCode.AUTHORIZATION_FAILED, "Cartesia refused access", node=node)
    if status == 429:
        return VoiceError(
            ErrorCode.RATE_LIMIT_EXCEEDED, "Cartesia concurrency limit reached", node=node, retriable=True
        )
    return VoiceError(
        ErrorCode.CONNECTION_FAILED, f"Cartesia refused the connection: HTTP {status}", node=node,
        retriable=status >= 500 or status == 408,
    )  # fmt: skip


def service_error(event: Mapping[str, Any], node: str | None, label: str = "Cartesia") -> VoiceError:
    """A coded error for an `error` event on an open socket: 4xx is the caller's input
    (invalid_input), anything else the service's (pipeline_error, retriable when 5xx)."""
    status = int(event.get("status_code") or 0)
    text = event.get("message") or event.get("error") or event.get("title") or "error"
    code = ErrorCode.INVALID_INPUT if 400 <= status < 500 else ErrorCode.PIPELINE_ERROR
    return VoiceError(code, f"{label}: {text} (status {status})", node=node, retriable=status >= 500)


class CartesiaSocket:
    """A WebSocket client (`websockets`, asyncio API) for one Cartesia stream.

    Args:
        url: the full `ws(s)://.../tts/websocket` or `/stt/websocket?...` URL.
        headers: handshake headers (key and version).
        open_timeout_s: handshake deadline.
        node: node name for errors.
        on_malformed: told (protocol_error) of each server message that is not a JSON
            object; such a message is skipped.
    """

    def __init__(
        self,
        url: str,
        headers: Mapping[str, str],
        *,
        open_timeout_s: float = 5.0,
        node: str | None = None,
        on_malformed: Callable[[VoiceError], None] | None = None,
    ) -> None:
        self.url = url
        self.headers = dict(headers)
        self.open_timeout_s = open_timeout_s
        self.node = node
        self.malformed = 0
        """Server messages skipped because they were not JSON objects."""
        self._on_malformed = on_malformed
        self._ws: Any = None

    @property
    def is_open(self) -> bool:
        """Whether the socket is up (as far as this side knows)."""
        return self._ws is not None

    async def open(self) -> None:
        """Connect.

        Raises:
            VoiceError: (missing_dependency) no `websockets`; (authentication_failed,
                authorization_failed, rate_limit_exceeded, connection_failed) the upgrade was
                refused; (invalid_config) a base URL no WebSocket client can use;
                (connection_timeout) no answer in time; (connection_failed) no network.
        """
        self._ws = await open_websocket(
            self.url, self.headers, refused=lambda status: handshake_error(status, self.node),
            who="Cartesia", reach="Cartesia", bad_url="base_url", open_timeout_s=self.open_timeout_s,
            max_size=2**22, node=self.node,
        )  # fmt: skip

    async def send(self, message: dict[str, Any] | str | bytes) -> None:
        """Write a JSON event (dict), a text command (str) or audio (bytes).

        Raises:
            VoiceError: (connection_failed, retriable) the socket is closed.
        """
        ws = self._ws
        if ws is None:
            raise VoiceError(ErrorCode.CONNECTION_FAILED, "Cartesia socket is not open", node=self.node,
                             retriable=True)  # fmt: skip
        from websockets.exceptions import ConnectionClosed

        data = json.dumps(message, separators=(",", ":")) if isinstance(message, dict) else message
        try:
            await ws.send(data)
        except ConnectionClosed as exc:
            self._ws = None
            raise VoiceError(
                ErrorCode.CONNECTION_FAILED, f"Cartesia socket closed: {exc}", node=self.node, retriable=True
            ) from exc

    async def events(self) -> AsyncIterator[dict[str, Any]]:
        """The server's JSON events until the socket closes (then `is_open` is False)."""
        ws = self._ws
        if ws is None:
            return
        from websockets.exceptions import ConnectionClosed

        try:
            async for raw in ws:
                try:
                    event = json.loads(raw)
                except ValueError:
                    event = None
                if isinstance(event, dict):
                    yield event
                else:  # skipped, but said: a garbled message is lost audio or a lost event
                    self._malformed(raw)
        except ConnectionClosed:
            pass
        finally:
            if self._ws is ws:
                self._ws = None

    def _malformed(self, raw: str | bytes) -> None:
        self.malformed += 1
        if self._on_malformed is not None:
            msg = f"Cartesia sent a message that is not a JSON object ({len(raw)} bytes); skipped"
            self._on_malformed(VoiceError(ErrorCode.PROTOCOL_ERROR, msg, node=self.node))

    async def close(self) -> None:
        """Close the socket (idempotent)."""
        ws, self._ws = self._ws, None
        if ws is not None:
            await ws.close()
