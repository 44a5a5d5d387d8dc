"""Twilio backend: Twilio Media Streams (G.711 mu-law 8 kHz) over WebSocket, plus TwiML."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, ClassVar

from voicegraph.backends.backend import BackendCapabilities
from voicegraph.backends.providers.websocket import SessionWebSocketTransport, WebSocketProvider
from voicegraph.transports.twilio_call_control import DEFAULT_BASE_URL, TwilioCallControl
from voicegraph.transports.twilio_serializer import TwilioSerializer
from voicegraph.transports.twilio_signature import TwilioSignature

if TYPE_CHECKING:
    from collections.abc import Callable

    from voicegraph.backends.session_manager import SessionManager
    from voicegraph.transports.serializer import Serializer


class TwilioProvider(WebSocketProvider):
    """Backend provider `twilio`: Twilio Media Streams (G.711 mu-law 8 kHz) over WebSocket,
    plus the TwiML webhook (`twiml_path`, default `/twiml`; by GET on the WebSocket port,
    by GET or POST on `twiml_port` when set). DTMF reaches the telephony hook; the
    caller's From/To reach hooks as `params["from"]`/`params["to"]`.

    Hang-ups and transfers go through Twilio's REST API when credentials are given:
    options `account_sid` and `auth_token` (else the environment's `TWILIO_ACCOUNT_SID`
    and `TWILIO_AUTH_TOKEN`), and `api_base_url` (a regional host). Without them a
    hang-up closes the stream (the call ends) and a transfer is refused.

    When the backend has an auth hook, the TwiML webhook (both ports) requires a valid
    X-Twilio-Signature made with that auth token (401 authentication_failed otherwise),
    and the stream is admitted by the auth hook (`TwilioSignatureAuthHook` checks the
    stream handshake's signature).

    Raises:
        VoiceError: (invalid_config) an auth hook is configured and no auth token is.
    """

    name: ClassVar[str] = "twilio"
    capabilities: ClassVar[BackendCapabilities] = BackendCapabilities(min_latency_ms=20.0, codecs=("mulaw",))
    serializer: ClassVar[Callable[[], Serializer]] = TwilioSerializer

    def create(self, manager: SessionManager, options: dict[str, Any]) -> SessionWebSocketTransport:
        """A Twilio Media Streams server for `manager`'s sessions."""
        options = dict(options)
        sid = options.pop("account_sid", None) or os.environ.get("TWILIO_ACCOUNT_SID", "")
        token = options.pop("auth_token", None) or os.environ.get("TWILIO_AUTH_TOKEN", "")
        base_url = options.pop("api_base_url", None) or DEFAULT_BASE_URL
        if sid and token and "call_control" not in options:
            options["call_control"] = TwilioCallControl(sid, token, base_url=base_url)
        if manager.admission.hooks.auth is not None:
            # Twilio cannot send our bearer tokens; it signs every request with the auth token
            options["twiml_signature"] = TwilioSignature(token)
        return super().create(manager, {"twiml_path": "/twiml", **options})
