"""TwimlServer: Twilio's voice webhook on a plain HTTP port (GET or POST)."""

from __future__ import annotations

import urllib.parse
from typing import TYPE_CHECKING

from voicegraph.transports.twilio_signature import HEADER, request_urls
from voicegraph.transports.twiml import call_parameters, render_twiml, stream_url_for
from voicegraph.transports.webrtc.http_message import HttpResponse
from voicegraph.transports.webrtc.http_server import HttpServer

if TYPE_CHECKING:
    from collections.abc import Callable

    from voicegraph.transports.twilio_signature import TwilioSignature
    from voicegraph.transports.webrtc.http_message import HttpRequest


class TwimlServer:
    """Answers Twilio's voice webhook with `<Connect><Stream>` TwiML, by GET or by POST.

    Twilio calls the webhook with POST (form body) unless told otherwise, and a
    WebSocket server cannot take request bodies: this serves the webhook on a port of
    its own (`WebSocketTransport(twiml_port=...)`). The call's `CallSid`, `From`, `To`
    and `Direction` (form or query) become stream parameters (`call_parameters`).
    Every limit and error of `HttpServer` applies (413 for a body over 16 KiB, 405 for
    another method, 404 for another path). With `signature`, a request without a valid
    X-Twilio-Signature (over the URL Twilio called and the form fields) is refused 401
    authentication_failed before any TwiML is made.

    Args:
        stream_url: the URL of the stream; None: built by `stream_url_for` from the Host
            header (or `public_url`) and `stream_path`, `ws://` or `wss://` as served.
        path: the webhook's path.
        stream_path: path of the stream, for the default URL.
        host, port: where to listen (port 0: any free port, see `port`).
        public_url: the server's public base URL (https -> `wss://` stream URL).
        stream_port: the stream server's port (or a function giving it once it listens):
            a webhook reached directly on this server's own port (`Host: h:<port>`)
            points the stream at `h:<stream_port>`. A Host without this port (a proxy
            or tunnel in front) is kept as it is.
        signature: check Twilio's request signature (None: no check).
    """

    def __init__(
        self,
        stream_url: str | None = None,
        *,
        path: str = "/twiml",
        stream_path: str = "/stream",
        host: str = "127.0.0.1",
        port: int = 0,
        public_url: str | None = None,
        stream_port: int | Callable[[], int] | None = None,
        signature: TwilioSignature | None = None,
    ) -> None:
        self.stream_url, self.path, self.stream_path = stream_url, path, stream_path
        self.public_url = public_url
        self._stream_port = stream_port
        self._signature = signature
        self._http = HttpServer(host=host, port=port, max_body_bytes=16 * 1024)
        for method in ("GET", "POST"):
            self._http.route(method, path, self._answer)

    @property
    def port(self) -> int:
        """The port it listens on (the real one when started with port 0)."""
        return self._http.port

    async def start(self) -> None:
        """Start listening."""
        await self._http.start()

    async def stop(self) -> None:
        """Stop listening."""
        await self._http.stop()

    def _stream_host(self, host: str) -> str:
        name, sep, port = host.rpartition(":")
        if not sep or port != str(self.port) or self._stream_port is None:
            return host
        stream_port = self._stream_port() if callable(self._stream_port) else self._stream_port
        return f"{name}:{stream_port}"

    @staticmethod
    def fields(request: HttpRequest) -> dict[str, str]:
        """The webhook's fields: its query, and its form body on a POST."""
        fields = dict(urllib.parse.parse_qsl(request.query))
        if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
            fields.update(urllib.parse.parse_qsl(request.body.decode("utf-8", "replace")))
        return fields

    def url_for(self, request: HttpRequest, stream_path: str | None = None) -> str:
        """The stream URL to answer `request` with (`stream_url`, else built; see `stream_url_for`)."""
        if self.stream_url:
            return self.stream_url
        host = self._stream_host(request.headers.get("host", "localhost"))
        return stream_url_for(
            host, stream_path or self.stream_path, public_url=self.public_url,
            forwarded_proto=request.headers.get("x-forwarded-proto"),
        )  # fmt: skip

    def check_signature(self, request: HttpRequest) -> None:
        """Refuse a request Twilio did not sign (no-op without `signature`).

        Raises:
            VoiceError: (authentication_failed) missing or invalid X-Twilio-Signature.
        """
        if self._signature is None:
            return
        target = request.path + (f"?{request.query}" if request.query else "")
        form: list[tuple[str, str]] = []
        if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
            form = urllib.parse.parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        urls = request_urls(request.headers, target, secure=False, public_url=self.public_url)
        self._signature.check(urls, request.headers.get(HEADER, ""), form)

    async def _answer(self, request: HttpRequest) -> HttpResponse:
        self.check_signature(request)
        twiml = render_twiml(self.url_for(request), call_parameters(self.fields(request)))
        return HttpResponse(200, twiml.encode(), content_type="text/xml; charset=utf-8")
