"""AgentSocket: the worker's `/agent` WebSocket to livekit-server (register, messages, ping)."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency

if TYPE_CHECKING:
    from voicegraph.transports.livekit.livekit_config import LiveKitConfig

log = logging.getLogger("voicegraph.livekit_worker")

PROTOCOL_VERSION = "voicegraph-worker/1"


def agent_url(server_url: str) -> str:
    """The worker endpoint of a server URL: `ws(s)://host[/path]/agent` (http → ws)."""
    url = server_url.rstrip("/")
    if url.startswith("http"):
        url = "ws" + url[4:]
    return url + "/agent"


def worker_jwt(config: LiveKitConfig, ttl_s: int = 3600) -> str:
    """An API-key JWT with the `agent` video grant: what `/agent` accepts."""
    from livekit import api

    grants = api.VideoGrants(agent=True)
    token = api.AccessToken(config.api_key, config.secret()).with_grants(grants)
    return token.with_ttl(timedelta(seconds=ttl_s)).to_jwt()


class AgentSocket:
    """One registered connection to the server's `/agent` endpoint.

    Handles: the WebSocket upgrade with `Authorization: Bearer <agent JWT>`, the
    `RegisterWorkerRequest` (job type room, `agent_name`, the permissions the server
    puts in the tokens it mints) and its `RegisterWorkerResponse`; then binary protobuf
    `WorkerMessage`s out and `ServerMessage`s in. WebSocket pings are automatic
    (aiohttp autoping); `ping()` sends the protocol's `WorkerPing`. Adds no latency: one
    frame per message. `close()` ends the socket; jobs in rooms are not touched.

    Args:
        config: server URL and credentials.
        agent_name: "" for automatic dispatch, else the name explicit dispatches use.
    """

    def __init__(self, config: LiveKitConfig, agent_name: str = "") -> None:
        self.config = config
        self.agent_name = agent_name
        self.worker_id = ""
        """The server's id for this registration."""
        self.rtt_ms: float | None = None
        """Round trip of the last `WorkerPing`."""
        self._http: Any = None
        self._ws: Any = None

    async def connect(self, timeout_s: float = 10.0) -> str:
        """Open the socket and register; returns the worker id.

        Raises:
            VoiceError: authentication_failed (key/secret refused), connection_failed
                (server unreachable, unexpected first message) or connection_timeout.
        """
        try:
            import aiohttp
            from livekit.protocol import agent, models
        except ImportError:
            raise missing_dependency("livekit", "livekit-api") from None
        await self.close()
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, connect=timeout_s))
        headers = {"Authorization": f"Bearer {worker_jwt(self.config)}"}
        try:
            self._ws = await self._http.ws_connect(
                agent_url(self.config.url), headers=headers, autoping=True, heartbeat=15.0
            )
            perms = models.ParticipantPermission(
                can_publish=True, can_subscribe=True, can_publish_data=True, agent=True
            )
            reg = agent.RegisterWorkerRequest(
                type=agent.JT_ROOM, agent_name=self.agent_name, version=PROTOCOL_VERSION,
                allowed_permissions=perms,
            )  # fmt: skip
            await self.send(agent.WorkerMessage(register=reg))
            first = await self.receive(timeout_s)
        except aiohttp.WSServerHandshakeError as exc:
            await self.close()
            code = ErrorCode.AUTHENTICATION_FAILED if exc.status == 401 else ErrorCode.CONNECTION_FAILED
            why = f"{agent_url(self.config.url)} refused the worker: HTTP {exc.status}"
            raise VoiceError(code, why) from None
        except (aiohttp.ClientError, OSError) as exc:
            await self.close()
            raise VoiceError(ErrorCode.CONNECTION_FAILED, f"cannot reach {self.config.url}: {exc}") from None
        except TimeoutError:
            await self.close()
            raise VoiceError(ErrorCode.CONNECTION_TIMEOUT, "no register response from the server") from None
        if first is None or first.WhichOneof("message") != "register":
            await self.close()
            raise VoiceError(ErrorCode.CONNECTION_FAILED, "the server did not answer the registration")
        self.worker_id = first.register.worker_id
        return self.worker_id

    async def send(self, message: Any) -> None:
        """Send one `WorkerMessage`.

        Raises:
            VoiceError: (connection_failed) the socket is closed.
        """
        if self._ws is None or self._ws.closed:
            raise VoiceError(ErrorCode.CONNECTION_FAILED, "the worker socket is closed")
        try:
            await self._ws.send_bytes(message.SerializeToString())
        except (ConnectionError, RuntimeError) as exc:
            raise VoiceError(ErrorCode.CONNECTION_FAILED, f"worker socket send failed: {exc}") from None

    async def receive(self, timeout_s: float | None = None) -> Any:
        """The next `ServerMessage`, or None when the socket closed (pongs update `rtt_ms`)."""
        import aiohttp
        from livekit.protocol import agent

        while self._ws is not None:
            async with asyncio.timeout(timeout_s):
                msg = await self._ws.receive()
            if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
                return None
            if msg.type is aiohttp.WSMsgType.ERROR:
                return None
            if msg.type is not aiohttp.WSMsgType.BINARY:
                continue
            out = agent.ServerMessage()
            out.ParseFromString(msg.data)
            if out.WhichOneof("message") == "pong":
                self.rtt_ms = time.time() * 1000 - out.pong.last_timestamp
                continue
            return out
        return None

    async def ping(self) -> None:
        """Send a `WorkerPing` (the server answers with a `WorkerPong`)."""
        from livekit.protocol import agent

        await self.send(agent.WorkerMessage(ping=agent.WorkerPing(timestamp=int(time.time() * 1000))))

    async def close(self) -> None:
        """Close the socket and its HTTP session."""
        ws, http, self._ws, self._http = self._ws, self._http, None, None
        if ws is not None:
            await ws.close()
        if http is not None:
            await http.close()
