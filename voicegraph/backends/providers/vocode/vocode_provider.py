"""VocodeProvider: backend provider `vocode` (vocode-core's client protocols)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, ClassVar

from voicegraph.backends.backend import BackendCapabilities
from voicegraph.backends.providers.vocode.vocode_transport import VocodeTransport
from voicegraph.backends.providers.websocket import WebSocketProvider
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.transports.twilio_call_control import DEFAULT_BASE_URL, TwilioCallControl
from voicegraph.transports.twilio_signature import TwilioSignature

if TYPE_CHECKING:
    from voicegraph.backends.session_manager import SessionManager

PATHS = ("conversation_path", "connect_call_path", "agent_path", "inbound_call_path")
CREDENTIALS = ("account_sid", "auth_token")
ENV = {"account_sid": "TWILIO_ACCOUNT_SID", "auth_token": "TWILIO_AUTH_TOKEN"}


def _check(options: dict[str, Any]) -> None:
    for key in PATHS:
        value = options.get(key)
        if value is not None and (not isinstance(value, str) or not value.startswith("/")):
            raise VoiceError(ErrorCode.INVALID_CONFIG, f"backend.options.{key}: a path starting with '/'")
    if not str(options.get("connect_call_path", "/")).endswith("/"):
        raise VoiceError(ErrorCode.INVALID_CONFIG, "backend.options.connect_call_path: must end with '/'")
    port = options.get("telephony_port")
    if port is not None and (type(port) is not int or not 0 <= port <= 65535):
        raise VoiceError(ErrorCode.INVALID_CONFIG, "backend.options.telephony_port: an integer 0-65535")


def _call_control(options: dict[str, Any]) -> TwilioCallControl | None:
    creds = {key: options.pop(key, None) or os.environ.get(ENV[key], "") for key in CREDENTIALS}
    base_url = options.pop("api_base_url", None) or DEFAULT_BASE_URL
    missing = [key for key, value in creds.items() if not value]
    if len(missing) == 1:
        key = missing[0]
        raise VoiceError(
            ErrorCode.INVALID_CONFIG,
            f"backend.options.{key}: missing (set {ENV[key]}); Twilio call control needs both credentials",
        )
    if missing:
        return None
    return TwilioCallControl(creds["account_sid"], creds["auth_token"], base_url=base_url)


class VocodeProvider(WebSocketProvider):
    """Backend provider `vocode`: Vocode apps talk to voicegraph unchanged.

    Serves vocode-core's client protocols (`VocodeTransport`): the browser conversation
    WebSocket (`/conversation`), its Twilio telephony flow (inbound-call webhook on
    `telephony_port`, then Media Streams at `/connect_call/<id>`) and its WebSocket
    user-implemented agent (`/agent`). Options: the `VocodeTransport` paths and
    `telephony_port`, the `WebSocketTransport` ones (host, port, public_url...), and for
    hang-ups and transfers of phone calls `account_sid`/`auth_token` (from the
    environment's `TWILIO_ACCOUNT_SID`/`TWILIO_AUTH_TOKEN`; one without the other is an
    invalid_config error naming the missing one). With an auth hook and a
    `telephony_port`, the webhook requires Twilio's X-Twilio-Signature (made with
    `TWILIO_AUTH_TOKEN`, which must then be set).
    """

    name: ClassVar[str] = "vocode"
    capabilities: ClassVar[BackendCapabilities] = BackendCapabilities(
        min_latency_ms=20.0, codecs=("pcm_s16le", "wav", "mulaw")
    )

    def create(self, manager: SessionManager, options: dict[str, Any]) -> VocodeTransport:
        """A Vocode-protocol server for `manager`'s sessions.

        Raises:
            VoiceError: (invalid_config) a bad path or port, or half the Twilio credentials;
                the message names the option.
        """
        options = dict(options)
        _check(options)
        control = _call_control(options)
        if control is not None and "call_control" not in options:
            options["call_control"] = control
        if manager.admission.hooks.auth is not None and options.get("telephony_port") is not None:
            # the inbound-call webhook is Twilio's: it signs with the account's auth token
            options["twiml_signature"] = TwilioSignature(os.environ.get(ENV["auth_token"], ""))
        return VocodeTransport(manager, **options)
