"""VocodeTelephonyServer: vocode's Twilio inbound-call webhook, served by voicegraph."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from voicegraph.transports.twiml import call_parameters, render_twiml
from voicegraph.transports.twiml_server import TwimlServer
from voicegraph.transports.webrtc.http_message import HttpResponse

if TYPE_CHECKING:
    from collections.abc import Callable

    from voicegraph.transports.twilio_signature import TwilioSignature
    from voicegraph.transports.webrtc.http_message import HttpRequest


def create_conversation_id() -> str:
    """A new conversation id, URL-safe like vocode's `create_conversation_id`."""
    return secrets.token_urlsafe(16)


class VocodeTelephonyServer(TwimlServer):
    """The routes of vocode's `TelephonyServer` for Twilio, on a plain HTTP port.

    POST (or GET) `inbound_path` (vocode's `TwilioInboundCallConfig.url`, e.g.
    `/inbound_call`) with Twilio's form fields `CallSid`, `From`, `To` answers
    `<Connect><Stream url="wss://<host>/connect_call/<conversation id>"/>` like vocode's
    `twilio_connect_call.xml`, with a fresh conversation id per call; the call's fields and
    the id also go in `<Parameter>`s, so session hooks see them. Twilio then opens its
    Media Stream on the WebSocket port (`connect_call_path` + id), served by
    `TwilioSerializer`. `/events` answers an empty 200 (GET or POST) as vocode's does.
    Latency: one HTTP round trip, no state kept per call.

    Args:
        inbound_path: the webhook's path.
        connect_call_path: stream path prefix (`/connect_call/`).
        host, port: where to listen (port 0: any free port).
        public_url: the public base URL (https -> `wss://` stream URLs); else the
            request's Host header, `ws://` unless `X-Forwarded-Proto` says https.
        stream_port: the WebSocket port (read per request), put in the stream URL in place
            of the webhook's port when there is no `public_url` (a direct, local setup).
        signature: require Twilio's X-Twilio-Signature on the webhook (401
            authentication_failed otherwise; `/events` too).
    """

    def __init__(
        self,
        *,
        inbound_path: str = "/inbound_call",
        connect_call_path: str = "/connect_call/",
        host: str = "127.0.0.1",
        port: int = 0,
        public_url: str | None = None,
        stream_port: Callable[[], int] | None = None,
        signature: TwilioSignature | None = None,
    ) -> None:
        super().__init__(None, path=inbound_path, stream_path=connect_call_path, host=host, port=port,
                         public_url=public_url, stream_port=stream_port, signature=signature)  # fmt: skip
        for method in ("GET", "POST"):
            self._http.route(method, "/events", self._events)

    async def _events(self, request: HttpRequest) -> HttpResponse:
        self.check_signature(request)
        return HttpResponse(200, b"", content_type="text/plain")

    async def _answer(self, request: HttpRequest) -> HttpResponse:
        self.check_signature(request)
        conversation_id = create_conversation_id()
        url = self.url_for(request, self.stream_path + conversation_id)
        params = {**call_parameters(self.fields(request)), "conversation_id": conversation_id}
        return HttpResponse(200, render_twiml(url, params).encode(), content_type="text/xml; charset=utf-8")
