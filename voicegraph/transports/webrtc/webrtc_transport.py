"""WebRTCTransport: voice sessions over WebRTC (aiortc), with HTTP signalling and a web page."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.resources
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Self

from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency
from voicegraph.framework.formats import PCM16K, PCM48K
from voicegraph.transports.graph_session_runner import GraphFactory, session_runner_or_graph
from voicegraph.transports.webrtc.http_message import HttpError, HttpRequest, HttpResponse, json_response
from voicegraph.transports.webrtc.http_server import HttpServer
from voicegraph.transports.webrtc.ice_server import IceServer, parse_ice_servers
from voicegraph.transports.webrtc.session_offer import SessionOffer
from voicegraph.transports.webrtc.webrtc_connection import WebRTCConnection

if TYPE_CHECKING:
    import ssl
    from collections.abc import Sequence
    from types import TracebackType

    from voicegraph.framework.formats import AudioFormat
    from voicegraph.transports.connection import Connection

log = logging.getLogger("voicegraph.transports.webrtc")

SessionRunner = Callable[["Connection"], Awaitable[None]]

_PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; "
    "media-src 'self' blob: mediastream:; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
_ASSETS = {"/": ("index.html", "text/html; charset=utf-8"), "/client.js": ("client.js", "text/javascript")}


class WebRTCTransport:
    """Serves voice sessions to browsers over WebRTC: one peer connection, one session graph.

    One process serves, over HTTP: the bundled page (`GET /`, `/client.js`: microphone
    in, bot audio out, transcript, hang-up), its settings (`GET /config`), a health
    check (`GET /health`) and signalling (`POST /offer`: `{"type": "offer", "sdp"}` in,
    `{"type": "answer", "sdp", "session_id", "resumed"}` out; ICE is not trickled). Each
    offer becomes a `WebRTCConnection` and a session run by `session_runner` (by default
    a `GraphSessionRunner` over `graph_factory`); the session is torn down on hang-up,
    ICE failure or timeout, and its peer connection closed.

    Resume (`resume_grace_s` > 0): the answer also carries a `resume_token`. A session
    whose peer connection fails or closes without a hang-up waits `resume_grace_s`; an
    offer with `"resume": <token>` then binds a new peer connection to the same session
    (`"resumed": true`, same `session_id`, same graph and conversation). An unknown or
    expired token gets 404 session_not_found.

    Offline by default: no STUN or TURN server unless `ice_servers` names some, so only
    host candidates are offered. Bad signalling gets a JSON error with a `VoiceError`
    code and never affects other sessions: malformed JSON or SDP, a content type other
    than application/json, a body over `max_body_bytes`, an offer without Opus audio,
    more than `max_sessions` sessions (503, retriable). Browsers allow microphone
    access only on https or localhost: serve with `ssl_context` (or behind an https
    proxy) when the page is opened from another machine.

    Args:
        graph_factory: builds a session's graph on `conn.input()` / `conn.output()`.
        session_runner: runs one session instead (e.g. a session manager's).
        host, port: where to listen (port 0: a free port, see `port`).
        ice_servers: STUN/TURN servers (URLs, browser-style dicts or `IceServer`s).
        input_format: format of the audio the graph receives (from 48 kHz Opus).
        output_format: format of the bot audio the graph plays (s16 mono or stereo).
        max_sessions: sessions at once (negotiating ones included).
        max_body_bytes: largest HTTP body accepted.
        connect_timeout_s: time a peer has to connect after the answer.
        serve_page: serve the bundled web page.
        ssl_context: serve https.
        reuse_port: listen with SO_REUSEPORT (several worker processes on one port).
        resume_grace_s: how long a session whose peer was lost can be resumed (0: never).

    Raises:
        VoiceError: (invalid_config) no graph_factory or session_runner, or a bad ICE
            server; (missing_dependency) aiortc is not installed (on `start`).
    """

    def __init__(
        self,
        graph_factory: GraphFactory | None = None,
        *,
        session_runner: SessionRunner | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        ice_servers: Sequence[IceServer | str | dict[str, Any]] = (),
        input_format: AudioFormat = PCM16K,
        output_format: AudioFormat = PCM48K,
        max_sessions: int = 32,
        max_body_bytes: int = 64 * 1024,
        connect_timeout_s: float = 20.0,
        serve_page: bool = True,
        ssl_context: ssl.SSLContext | None = None,
        reuse_port: bool = False,
        resume_grace_s: float = 0.0,
    ) -> None:
        self._runner = session_runner_or_graph(session_runner, graph_factory, "WebRTCTransport")
        self.ice_servers = parse_ice_servers(ice_servers)
        self.input_format, self.output_format = input_format, output_format
        self.max_sessions = max_sessions
        self.connect_timeout_s = connect_timeout_s
        self.resume_grace_s = resume_grace_s
        self._ssl = ssl_context
        self.http = HttpServer(
            host=host,
            port=port,
            max_body_bytes=max_body_bytes,
            ssl_context=ssl_context,
            reuse_port=reuse_port,
        )
        self.sessions: dict[str, WebRTCConnection] = {}
        """Live sessions by id."""
        self._by_token: dict[str, WebRTCConnection] = {}
        self.sessions_started = 0
        self.sessions_ended = 0
        self._negotiating = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._assets: dict[str, HttpResponse] = {}
        self.http.route("POST", "/offer", self._offer)
        self.http.route("GET", "/config", self._config)
        self.http.route("GET", "/health", self._health)
        if serve_page:
            for path in _ASSETS:
                self.http.route("GET", path, self._asset)

    @property
    def port(self) -> int:
        """The port listened on (the real one once started)."""
        return self.http.port

    @property
    def url(self) -> str:
        """The page's URL (`http://host:port/`)."""
        scheme = "https" if self._ssl is not None else "http"
        return f"{scheme}://{self.http.host}:{self.port}/"

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        """Load the page and start listening.

        Raises:
            VoiceError: (missing_dependency) aiortc is not installed.
        """
        try:
            import aiortc  # noqa: F401 - fail at start, naming the extra
        except ImportError:
            raise missing_dependency("webrtc", "aiortc") from None
        static = importlib.resources.files("voicegraph.transports.webrtc").joinpath("static")
        for path, (name, content_type) in _ASSETS.items():
            headers = {"Content-Security-Policy": _PAGE_POLICY} if name.endswith(".html") else {}
            self._assets[path] = HttpResponse(200, static.joinpath(name).read_bytes(), content_type, headers)
        await self.http.start()

    async def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, end every session (no drain) and close every peer connection."""
        await self.http.stop()
        for conn in list(self.sessions.values()):
            conn.finish(lost=True)
        tasks = list(self._tasks)
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=timeout)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # -- routes -------------------------------------------------------------------------------
    async def _asset(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/":  # the page; client.js is public code and holds nothing secret
            await self.authenticate(request)
        return self._assets[request.path]

    async def _config(self, request: HttpRequest) -> HttpResponse:
        await self.authenticate(request)  # the ICE servers may carry TURN credentials
        servers = [s.to_browser() for s in self.ice_servers]
        return json_response({"offerPath": "offer", "iceServers": servers})

    async def _health(self, request: HttpRequest) -> HttpResponse:
        return json_response(
            {"status": "ok", "sessions": len(self.sessions), "max_sessions": self.max_sessions}
        )

    # -- admission (override to plug in auth, rate limits or a session manager) -----------------
    async def authenticate(self, request: HttpRequest) -> None:
        """Check the credentials of a request for the page or `/config` (the offer's are
        checked by `admit`). The default lets everyone in.

        Raises:
            VoiceError: (authentication_failed, 401) to refuse.
        """

    async def admit(self, request: HttpRequest) -> str | None:
        """Decide whether a well-formed offer gets a session; the session id to use.

        Called before any peer connection is made. The default admits everyone (up to
        `max_sessions`) with a random id. Every admitted id is passed to `release` once.

        Raises:
            VoiceError: to refuse; the client gets its code (authentication_failed 401,
                authorization_failed 403, rate_limit_exceeded 429, ...).
        """
        return None

    def release(self, session_id: str) -> None:
        """The session `admit` let in has ended (or never started)."""

    async def _offer(self, request: HttpRequest) -> HttpResponse:
        offer = SessionOffer.parse(request.content_type, request.body)
        conn = self._by_token.get(offer.resume) if offer.resume else None
        if conn is not None:
            return await self._resume_session(request, conn, offer)
        return await self._start_session(request, offer)

    async def _resume_session(
        self, request: HttpRequest, conn: WebRTCConnection, offer: SessionOffer
    ) -> HttpResponse:
        """Bind a new peer connection to the running session `conn` (the token is the credential)."""
        sdp = await conn.resume(offer.sdp)
        log.info("session %s: resumed by %s", conn.session_id, request.peer)
        return self._answer(conn, sdp)

    def _answer(self, conn: WebRTCConnection, sdp: str) -> HttpResponse:
        body: dict[str, Any] = {"type": "answer", "sdp": sdp, "session_id": conn.session_id}
        if conn.resume_token:
            body["resume_token"] = conn.resume_token
        body["resumed"] = conn.resumed
        return json_response(body)

    async def admit_offer(self, request: HttpRequest, offer: SessionOffer) -> str | None:
        """Admit a new session for `offer` (see `admit`). An offer to resume a session this
        transport does not run is refused here; a session manager's transport resumes it
        from its store instead.

        Raises:
            VoiceError: (session_not_found) nothing to resume; `admit`'s refusals.
        """
        if offer.resume:
            raise HttpError(404, ErrorCode.SESSION_NOT_FOUND, "no session to resume")
        return await self.admit(request)

    async def _start_session(self, request: HttpRequest, offer: SessionOffer) -> HttpResponse:
        """Answer a checked offer with a new session (`{"type": "answer", "sdp", "session_id"}`)."""
        if len(self.sessions) + self._negotiating >= self.max_sessions:
            raise HttpError(
                503, ErrorCode.SESSION_LIMIT_EXCEEDED, f"{self.max_sessions} sessions already", retriable=True
            )
        self._negotiating += 1
        try:
            conn = await self._negotiate(request, offer)
        finally:
            self._negotiating -= 1
        self.sessions[conn.session_id] = conn
        self.sessions_started += 1
        task = asyncio.get_running_loop().create_task(self._run(conn), name=f"webrtc:{conn.session_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if conn.resume_token:
            self._by_token[conn.resume_token] = conn
        log.info("session %s: answered %s", conn.session_id, request.peer)
        return self._answer(conn, str(conn.pc.localDescription.sdp))

    async def _negotiate(self, request: HttpRequest, offer: SessionOffer) -> WebRTCConnection:
        session_id = await self.admit_offer(request, offer) or uuid.uuid4().hex
        try:
            conn = self._new_connection(session_id)
        except BaseException:
            self.release(session_id)
            raise
        try:
            await conn.answer(offer.sdp)
        except BaseException:
            await conn.close()
            self.release(conn.session_id)
            raise
        return conn

    def _new_connection(self, session_id: str) -> WebRTCConnection:
        """The connection of a new session (a subclass may speak another data channel protocol)."""
        return WebRTCConnection(
            ice_servers=self.ice_servers, input_format=self.input_format,
            output_format=self.output_format, connect_timeout_s=self.connect_timeout_s,
            session_id=session_id, resume_grace_s=self.resume_grace_s,
        )  # fmt: skip

    async def _run(self, conn: WebRTCConnection) -> None:
        try:
            await self._runner(conn)
        except VoiceError as err:
            log.warning("session %s failed: %s", conn.session_id, err)
            conn.send_error(err)
        except Exception as exc:
            log.exception("session %s failed", conn.session_id)
            conn.send_error(VoiceError(ErrorCode.PIPELINE_ERROR, f"session failed: {type(exc).__name__}"))
        finally:
            self.sessions.pop(conn.session_id, None)
            self._by_token.pop(conn.resume_token, None)
            self.sessions_ended += 1
            self.release(conn.session_id)
            with contextlib.suppress(Exception):
                await conn.close()
            log.info("session %s: ended", conn.session_id)
