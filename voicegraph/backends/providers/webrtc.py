"""WebRTC backend: browser (or any WebRTC peer) sessions admitted and run by a SessionManager."""

from __future__ import annotations

import urllib.parse
from typing import TYPE_CHECKING, Any, ClassVar

from voicegraph.backends.backend import BackendCapabilities
from voicegraph.backends.hooks import ConnectRequest
from voicegraph.transports.webrtc.webrtc_transport import WebRTCTransport

if TYPE_CHECKING:
    from voicegraph.backends.live_session import Admission
    from voicegraph.backends.session_manager import SessionManager
    from voicegraph.framework.frames.base import Frame
    from voicegraph.transports.webrtc.http_message import HttpRequest
    from voicegraph.transports.webrtc.session_offer import SessionOffer
    from voicegraph.transports.webrtc.webrtc_connection import WebRTCConnection


def connect_request(request: HttpRequest, resume: str = "") -> ConnectRequest:
    """What the session manager needs to admit a WebRTC peer: its signalling request.

    Headers (lower-case) carry `Authorization`; the offer URL's query string gives the
    parameters (`POST /offer?token=...` for clients that cannot set headers); `resume`
    is the offer's session id or resume token to continue.
    """
    params = dict(urllib.parse.parse_qsl(request.query))
    return ConnectRequest(
        transport="webrtc", remote=request.peer, path=request.path, headers=dict(request.headers),
        params=params, resume=resume,
    )  # fmt: skip


class SessionWebRTCTransport(WebRTCTransport):
    """A `WebRTCTransport` whose sessions are admitted and run by a `SessionManager`.

    Handles signalling like `WebRTCTransport`; admission (capacity, rate limit, auth,
    telephony routing) happens on the offer, before any peer connection exists, so a
    refused client gets one coded JSON error (401, 403, 429, 503 session_limit_exceeded)
    and costs no ICE or DTLS. Session ids are the manager's. The admission's slot is
    given back if negotiation fails, and is taken over by the running session otherwise.
    Adds no latency beyond `WebRTCTransport`'s; sessions end (no drain) on hang-up, peer
    loss or `stop`, and the manager's shutdown drains in-flight turns first.

    Resume: an offer whose `resume` token belongs to a session of this transport that
    lost its peer binds a new peer connection to it (see `WebRTCTransport`); any other
    `resume` (a session id or token of a persisted session, e.g. after a restart) goes to
    the manager, which restores that session's conversation (`"resumed": true`) or
    refuses with session_not_found.

    Args:
        manager: the backend's session manager.
        options: `WebRTCTransport` keyword arguments (host, port, ice_servers...);
            `max_sessions` defaults to the manager's.
    """

    def __init__(self, manager: SessionManager, **options: Any) -> None:
        options.setdefault("max_sessions", manager.max_sessions)
        super().__init__(session_runner=manager.run, **options)
        self._manager = manager
        self._admissions: dict[str, Admission] = {}

    def describe(self) -> dict[str, Any]:
        """Where it listens."""
        return {"kind": "webrtc", "url": self.url, "connections": len(self.sessions)}

    async def admit(self, request: HttpRequest) -> str | None:
        """Admit a new session through the session manager (see `admit_offer`)."""
        return await self._admit(connect_request(request))

    async def admit_offer(self, request: HttpRequest, offer: SessionOffer) -> str | None:
        """Admit through the session manager, resuming the persisted session `offer.resume`.

        Raises:
            VoiceError: session_limit_exceeded, rate_limit_exceeded, authentication_failed,
                authorization_failed, session_not_found (the client gets the code and its
                HTTP status).
        """
        return await self._admit(connect_request(request, offer.resume))

    async def _admit(self, request: ConnectRequest) -> str:
        adm = await self._manager.admit(request)
        self._admissions[adm.session_id] = adm
        return adm.session_id

    def _new_connection(self, session_id: str) -> WebRTCConnection:
        conn = super()._new_connection(session_id)
        adm = self._admissions.get(session_id)
        if adm is not None and adm.resumed is not None:  # a persisted session continues
            conn.resumed = True
            if adm.resumed.resume_token and conn.resume_token:
                conn.resume_token = adm.resumed.resume_token
        return conn

    async def authenticate(self, request: HttpRequest) -> None:
        """The page and `/config` need the same credentials as an offer when the backend
        has an auth hook (no session slot is taken: nothing is admitted).

        Raises:
            VoiceError: (authentication_failed) the auth hook refused.
        """
        auth = self._manager.admission.hooks.auth
        if auth is not None:
            await auth.authenticate(connect_request(request))

    def release(self, session_id: str) -> None:
        """Give the admission back (a no-op once its session has run)."""
        adm = self._admissions.pop(session_id, None)
        if adm is not None:
            self._manager.release(adm)


class WebRTCProvider:
    """Backend provider `webrtc`: Opus audio over WebRTC (aiortc) with HTTP signalling and
    the bundled web page (pip extra `webrtc`).

    Options: `WebRTCTransport` arguments — host, port, ice_servers (URLs or browser-style
    dicts), max_sessions, max_body_bytes, connect_timeout_s, serve_page, reuse_port,
    resume_grace_s (how long a session whose peer was lost waits for a resume; 0: off).
    """

    name: ClassVar[str] = "webrtc"
    capabilities: ClassVar[BackendCapabilities] = BackendCapabilities(
        persistence=False, min_latency_ms=40.0, codecs=("opus",)
    )
    operations: ClassVar[dict[type[Frame], str]] = {}

    def create(self, manager: SessionManager, options: dict[str, Any]) -> SessionWebRTCTransport:
        """A WebRTC signalling server and page for `manager`'s sessions."""
        return SessionWebRTCTransport(manager, **options)
