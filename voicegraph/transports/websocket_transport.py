"""WebSocketTransport: a WebSocket server where each connection is a voice session."""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency
from voicegraph.transports.client_messages import ClientStart
from voicegraph.transports.close_codes import close_code, close_reason
from voicegraph.transports.graph_session_runner import GraphFactory, session_runner_or_graph
from voicegraph.transports.raw_pcm_serializer import RawPCMSerializer
from voicegraph.transports.twilio_signature import HEADER, request_urls
from voicegraph.transports.twiml import call_parameters, render_twiml, stream_url_for
from voicegraph.transports.twiml_server import TwimlServer
from voicegraph.transports.websocket_connection import WebSocketConnection

if TYPE_CHECKING:
    from types import TracebackType

    from voicegraph.transports.call_control import CallControl
    from voicegraph.transports.connection import Connection
    from voicegraph.transports.serializer import Serializer
    from voicegraph.transports.twilio_signature import TwilioSignature

log = logging.getLogger("voicegraph.transports.websocket")

SessionRunner = Callable[["Connection"], Awaitable[None]]


class WebSocketTransport:
    """Serves voice sessions over WebSocket (the `websockets` library, asyncio server).

    Each accepted socket sends a start message (see the serializer: `RawPCMSerializer`
    by default, `TwilioSerializer` for Twilio Media Streams); the transport then makes a
    `WebSocketConnection` and runs the session on it (`session_runner`, by default a
    `GraphSessionRunner` over `graph_factory`), one graph per connection. Errors reach
    the client as coded messages and close codes (`close_codes`); every message is
    limited to `max_size` bytes (larger: close 1009); a failing client or session never
    affects the others. A client that drops may come back within `resume_grace_s` with
    its resume token and continue the same session (protocols that support it).
    A GET on `twiml_path` answers Twilio's voice webhook with `<Connect><Stream>`;
    with `twiml_port` the webhook is also served there by GET or POST (Twilio's
    default method, which a WebSocket server cannot take) by a `TwimlServer`. The
    call's From, To, CallSid and Direction become stream parameters either way.

    Args:
        graph_factory: builds a session's graph on `conn.input()` / `conn.output()`.
        session_runner: runs one session instead (e.g. a session manager's).
        serializer: factory of the protocol, one instance per socket.
        host, port: where to listen (port 0: a free port, see `port`).
        max_size: largest message accepted, in bytes.
        start_timeout_s: time a client has to send its start message.
        resume_grace_s: how long a dropped session waits for its client (0: no resume).
        max_bad_messages: bad messages tolerated per socket.
        twiml_path: HTTP GET path answering TwiML (None: no TwiML endpoint).
        twiml_port: a port for the webhook by GET or POST too (0: any free port; None:
            none); needs `twiml_path`. The running port is `twiml_server.port`.
        stream_url: URL put in the TwiML (default: `stream_url_for` the Host header,
            `public_url` and `stream_path`: `ws://` when serving plain ws, `wss://` with TLS).
        stream_path: path of the stream used to build the default `stream_url`.
        call_control: the telephony provider's API (e.g. `TwilioCallControl`) through
            which phone sessions hang up and transfer; without it a hang-up closes the
            stream and a transfer is refused.
        max_backlog_s: most client audio a session keeps while it is not reading (it
            starts, or waits for the engines): see `WebSocketConnection`.
        public_url: the server's public base URL (`https://voice.example.com`) when it
            runs behind a proxy or TLS terminator: the TwiML stream URL is built from it
            (`wss://` for https, `ws://` for http).
        twiml_signature: refuse a webhook request without a valid X-Twilio-Signature
            (401 authentication_failed, on both ports) before any TwiML is made.
        server_options: more keyword arguments for `websockets.asyncio.server.serve`.

    Raises:
        VoiceError: (invalid_config) neither graph_factory nor session_runner;
            (missing_dependency) `websockets` is not installed (on `start`).
    """

    def __init__(
        self,
        graph_factory: GraphFactory | None = None,
        *,
        session_runner: SessionRunner | None = None,
        serializer: Callable[[], Serializer] = RawPCMSerializer,
        host: str = "127.0.0.1",
        port: int = 0,
        max_size: int = 64 * 1024,
        start_timeout_s: float = 5.0,
        resume_grace_s: float = 0.0,
        max_bad_messages: int = 10,
        twiml_path: str | None = None,
        twiml_port: int | None = None,
        stream_url: str | None = None,
        stream_path: str = "/stream",
        call_control: CallControl | None = None,
        max_backlog_s: float = 120.0,
        public_url: str | None = None,
        twiml_signature: TwilioSignature | None = None,
        **server_options: Any,
    ) -> None:
        self._runner = session_runner_or_graph(session_runner, graph_factory, "WebSocketTransport")
        self._serializer = serializer
        self.host, self._port = host, port
        self.max_size = max_size
        self.start_timeout_s = start_timeout_s
        self.resume_grace_s = resume_grace_s
        self.max_bad_messages = max_bad_messages
        self.twiml_path, self.stream_url, self.stream_path = twiml_path, stream_url, stream_path
        self.twiml_server: TwimlServer | None = None
        if twiml_port is not None:
            if twiml_path is None:
                raise VoiceError(ErrorCode.INVALID_CONFIG, "twiml_port needs twiml_path")
            self.twiml_server = TwimlServer(
                stream_url,
                path=twiml_path,
                stream_path=stream_path,
                host=host,
                port=twiml_port,
                public_url=public_url,
                stream_port=lambda: self.port,
                signature=twiml_signature,
            )
        self._server_options = server_options
        self._twiml_signature = twiml_signature
        self.call_control = call_control
        self.max_backlog_s = max_backlog_s
        self.public_url = public_url.rstrip("/") if public_url else None
        self._server: Any = None
        self.sessions: dict[str, WebSocketConnection] = {}
        """Live sessions by session id."""
        self._by_token: dict[str, WebSocketConnection] = {}

    @property
    def port(self) -> int:
        """The port the server listens on (the real one when started with port 0)."""
        return self._port

    @property
    def url(self) -> str:
        """`ws://host:port` of the running server."""
        return f"ws://{self.host}:{self.port}"

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        """Start listening.

        Raises:
            VoiceError: (missing_dependency) `websockets` is not installed.
        """
        try:
            from websockets.asyncio.server import serve
        except ImportError:
            raise missing_dependency("websocket", "websockets") from None
        options: dict[str, Any] = {
            "max_size": self.max_size, "compression": None, "open_timeout": 10, "close_timeout": 2,
            "ping_interval": 20, "ping_timeout": 20, "max_queue": 32, **self._server_options,
        }  # fmt: skip
        self._server = await serve(self._handle, self.host, self._port, process_request=self._http, **options)
        self._port = int(self._server.sockets[0].getsockname()[1])
        if self.twiml_server is not None:
            try:
                await self.twiml_server.start()
            except BaseException:
                await self.stop()
                raise

    async def stop(self) -> None:
        """Stop accepting, cancel every live session and close every socket."""
        for conn in list(self.sessions.values()):
            conn.finish(lost=True)
        if self.twiml_server is not None:
            await self.twiml_server.stop()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def __aenter__(self) -> WebSocketTransport:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # -- HTTP -----------------------------------------------------------------------------
    def _http(self, ws: Any, request: Any) -> Any:
        """Answer the TwiML webhook; let every other request go on to the handshake."""
        path = request.path.split("?", 1)[0]
        if self.twiml_path is None or path != self.twiml_path:
            return None
        if self._twiml_signature is not None:
            try:
                self._check_signature(request)
            except VoiceError as err:
                body = {"error": {"code": str(err.code), "message": err.message, "retriable": False}}
                return ws.respond(401, json.dumps(body) + "\n")
        url = self.stream_url or stream_url_for(
            request.headers.get("Host", f"{self.host}:{self.port}"), self.stream_path,
            public_url=self.public_url, tls=self._server_options.get("ssl") is not None,
            forwarded_proto=request.headers.get("X-Forwarded-Proto"),
        )  # fmt: skip
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(request.path).query))
        response = ws.respond(200, render_twiml(url, call_parameters(query)))
        del response.headers["Content-Type"]
        response.headers["Content-Type"] = "text/xml; charset=utf-8"
        return response

    def _check_signature(self, request: Any) -> None:
        assert self._twiml_signature is not None
        headers = {k.lower(): v for k, v in request.headers.raw_items()}
        secure = self._server_options.get("ssl") is not None
        urls = request_urls(headers, request.path, secure=secure, public_url=self.public_url)
        self._twiml_signature.check(urls, headers.get(HEADER, ""))

    # -- sessions -------------------------------------------------------------------------
    async def _handle(self, ws: Any) -> None:
        serializer = self._serializer()
        start = await self._start_or_reject(ws, serializer)
        if start is not None:
            await self._open(ws, serializer, start)

    async def _start_or_reject(self, ws: Any, serializer: Serializer) -> ClientStart | None:
        """The client's start message; None when refused (the client is told why) or closed first."""
        from websockets.exceptions import ConnectionClosed

        try:
            return await self._read_start(ws, serializer)
        except VoiceError as err:
            await self._reject(ws, serializer, err)
        except ConnectionClosed:
            pass
        return None

    async def _open(self, ws: Any, serializer: Serializer, start: ClientStart) -> None:
        """Run the session a client's start message asks for: a resumed one or a new one."""
        if start.resume_token:
            await self._resume(ws, serializer, start)
            return
        await self._run(ws, self._connection(serializer, start))

    def _connection(self, serializer: Serializer, start: ClientStart) -> WebSocketConnection:
        """A new session's connection, with this transport's settings."""
        return WebSocketConnection(
            serializer, start, resume_grace_s=self.resume_grace_s, max_bad_messages=self.max_bad_messages,
            call_control=self.call_control, max_backlog_s=self.max_backlog_s,
        )  # fmt: skip

    async def _read_start(self, ws: Any, serializer: Serializer) -> ClientStart:
        try:
            async with asyncio.timeout(self.start_timeout_s):
                while True:
                    msg = serializer.parse(await ws.recv())
                    if isinstance(msg, ClientStart):
                        return msg
                    if msg is not None:
                        raise VoiceError(ErrorCode.PROTOCOL_ERROR, "the first message must be start")
        except TimeoutError:
            raise VoiceError(ErrorCode.TIMEOUT, f"no start message within {self.start_timeout_s}s") from None

    async def _run(self, ws: Any, conn: WebSocketConnection) -> None:
        self.sessions[conn.session_id] = conn
        if conn.resume_token:
            self._by_token[conn.resume_token] = conn
        conn.attach(ws)
        try:
            async with asyncio.TaskGroup() as tg:
                reader = tg.create_task(conn.pump(ws), name=f"ws-read:{conn.session_id[:6]}")
                error = await self._session(conn)
                reader.cancel()
        finally:
            self.sessions.pop(conn.session_id, None)
            self._by_token.pop(conn.resume_token, None)
            conn.finish(lost=True)
        await conn.close(error)

    async def _session(self, conn: WebSocketConnection) -> VoiceError | None:
        """Run one session to its end; its failure as the error the client gets."""
        try:
            await conn.send_started(resumed=conn.resumed)
            await self._runner(conn)
        except VoiceError as err:
            return err
        except Exception as exc:
            log.exception("session %s failed", conn.session_id)
            return VoiceError(ErrorCode.PIPELINE_ERROR, f"session failed: {type(exc).__name__}")
        finally:
            conn.finish(lost=True)
        return None

    async def _resume(self, ws: Any, serializer: Serializer, start: ClientStart) -> None:
        conn = self._by_token.get(start.resume_token)
        if conn is None or conn.finished:
            await self._reject(
                ws, serializer, VoiceError(ErrorCode.SESSION_NOT_FOUND, "no session to resume")
            )
            return
        if (start.input_format, start.output_format) != (conn.input_format, conn.output_format):
            err = VoiceError(ErrorCode.NOT_NEGOTIATED, "a resumed stream must keep its audio formats")
            await self._reject(ws, serializer, err)
            return
        old = conn.attach(ws)
        if old is not None:
            await old.close(1000, "resumed on another connection")
        await conn.send_started(resumed=True)
        await conn.pump(ws)

    async def _reject(self, ws: Any, serializer: Serializer, err: VoiceError) -> None:
        from websockets.exceptions import ConnectionClosed

        log.info("rejecting a client: %s", err)
        message = serializer.encode_error(err)
        try:
            if message is not None:
                await ws.send(message)
            await ws.close(close_code(err.code), close_reason(err))
        except ConnectionClosed:
            pass
