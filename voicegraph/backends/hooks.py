"""Backend hooks: authentication and authorization, data retention, telephony callbacks."""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from voicegraph.framework.errors import ErrorCode, VoiceError

if TYPE_CHECKING:
    from voicegraph.backends.rate_limiter import RateLimiter
    from voicegraph.backends.session import Session


@dataclass(frozen=True, slots=True)
class ConnectRequest:
    """What is known about a client when it asks for a session (before any graph exists)."""

    transport: str = ""
    remote: str = ""
    """Client address ("host:port"), or "" in process."""
    path: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    """HTTP headers, lower-case names (WebSocket handshake)."""
    params: dict[str, str] = field(default_factory=dict)
    """Query parameters and protocol start parameters (e.g. Twilio customParameters)."""
    resume: str = ""
    """A session id or resume token the client wants to continue; "" for a new session."""
    call_id: str = ""
    """Telephony call id (Twilio callSid), "" otherwise."""

    @property
    def client(self) -> str:
        """Who is asking, without the port: the host of `remote` ("10.0.0.1" of
        "10.0.0.1:5000", "::1" of "[::1]:5000"), or `remote` itself when it is no address
        (a participant identity), or the transport in process. Per-client limits key on it,
        since every connection of one host comes from a new port."""
        remote = self.remote
        if remote.startswith("[") and "]" in remote:
            return remote[1 : remote.index("]")]
        host, sep, port = remote.rpartition(":")
        if sep and port.isdigit() and host and ":" not in host:
            return host
        return remote or self.transport


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a client is, as the auth hook decided; `scopes` gate operations."""

    id: str = "anonymous"
    scopes: frozenset[str] = frozenset({"*"})
    claims: dict[str, Any] = field(default_factory=dict)


class AuthHook:
    """Authenticates a client before its session starts and authorizes its operations.

    The base class lets everyone in with every scope. Override `authenticate` (raise
    authentication_failed) and/or `authorize` (raise authorization_failed). Both run off
    the audio path: `authenticate` once per session, `authorize` per client operation
    (`session.create`, `session.resume`, `message.text`, `message.dtmf`,
    `session.update`, `session.close`).
    """

    async def authenticate(self, request: ConnectRequest) -> Principal:
        """Who the client is.

        Raises:
            VoiceError: (authentication_failed) missing or wrong credentials.
        """
        return Principal()

    async def authorize(self, principal: Principal, operation: str, session_id: str = "") -> None:
        """Allow `operation` or refuse it.

        Raises:
            VoiceError: (authorization_failed) the principal lacks the scope.
        """
        if "*" in principal.scopes or operation in principal.scopes:
            return
        if operation.split(".", 1)[0] + ".*" in principal.scopes:
            return
        raise VoiceError(ErrorCode.AUTHORIZATION_FAILED, f"{principal.id} may not {operation}")


class TokenAuthHook(AuthHook):
    """Bearer tokens: `Authorization: Bearer <t>` header or a `token` parameter.

    Tokens come only from the environment: `env` names a variable holding
    `token=principal[:scope+scope...]` entries separated by commas (the scopes default to
    all). Tokens are compared in constant time.

    Args:
        env: name of the environment variable with the tokens.
        tokens: explicit tokens (tests and code), merged with the environment's.
    """

    def __init__(
        self, env: str = "VOICEGRAPH_AUTH_TOKENS", tokens: dict[str, Principal] | None = None
    ) -> None:
        self._tokens = dict(tokens or {})
        for entry in filter(None, (e.strip() for e in os.environ.get(env, "").split(","))):
            secret, _, rest = entry.partition("=")
            who, _, scopes = rest.partition(":")
            granted = frozenset(scopes.split("+")) if scopes else frozenset({"*"})
            self._tokens[secret] = Principal(id=who or "client", scopes=granted)

    async def authenticate(self, request: ConnectRequest) -> Principal:
        header = request.headers.get("authorization", "")
        given = (
            header[7:].strip() if header.lower().startswith("bearer ") else request.params.get("token", "")
        )
        if given:
            for secret, principal in self._tokens.items():
                if hmac.compare_digest(secret.encode(), given.encode()):
                    return principal
        raise VoiceError(ErrorCode.AUTHENTICATION_FAILED, "missing or invalid token")


class TwilioSignatureAuthHook(AuthHook):
    """Twilio Media Streams: the stream's WebSocket handshake must carry a valid
    X-Twilio-Signature (Twilio signs the `wss://` URL it connects to with the account's
    auth token). Checked at admission, before any session or graph exists; the principal
    is the call (`twilio:<CallSid>`). Use it as `hooks.auth.type:
    voicegraph.backends.hooks:TwilioSignatureAuthHook` with the `twilio` provider.

    Args:
        env: environment variable holding the auth token.
        token: the auth token itself (tests and code; wins over `env`).
        public_url: the server's public base URL, when Twilio reaches it through a proxy
            whose Host differs (the Host header is tried too, as wss and ws).

    Raises:
        VoiceError: (invalid_config) no auth token.
    """

    def __init__(
        self, env: str = "TWILIO_AUTH_TOKEN", token: str | None = None, public_url: str | None = None
    ) -> None:
        from voicegraph.transports.twilio_signature import TwilioSignature

        self._signature = TwilioSignature(token or os.environ.get(env, ""))
        self._public_url = public_url

    async def authenticate(self, request: ConnectRequest) -> Principal:
        from voicegraph.transports.twilio_signature import HEADER, request_urls

        urls = request_urls(request.headers, request.path, secure=True, public_url=self._public_url, ws=True)
        urls += request_urls(request.headers, request.path, secure=False, ws=True)
        self._signature.check(urls, request.headers.get(HEADER, ""))
        return Principal(id=f"twilio:{request.call_id or 'call'}")


class DataRetentionHook:
    """Decides what happens to a session's record when it completes.

    `keep_seconds(session)` returns None (or 0) to delete the record at once (the
    default: nothing is kept), or how long to keep it; a kept record expires by itself.

    Args:
        keep_s: keep every completed session this long (0: delete at once).
    """

    def __init__(self, keep_s: float = 0.0) -> None:
        self.keep_s = keep_s

    def keep_seconds(self, session: Session) -> float | None:
        """Seconds to keep this completed session's record, or None to delete it now."""
        return self.keep_s if self.keep_s > 0 else None


@dataclass(frozen=True, slots=True)
class CallRoute:
    """Where an inbound call goes: session metadata to add, or a refusal."""

    metadata: dict[str, Any] = field(default_factory=dict)
    accept: bool = True
    reason: str = ""


class TelephonyHook:
    """Telephony callbacks: inbound call routing, DTMF key presses, call transfer.

    `route` runs before the session starts (a refusal ends the call with
    authorization_failed); its metadata lands in the session (and reaches graph nodes
    through `StartContext.metadata`). `on_dtmf` runs for each key the caller presses
    (off the audio path, in the session's task group). `transfer` is what
    `SessionManager.transfer` calls; the base records the target in the session's
    metadata, and a provider hook (e.g. Twilio's REST API) overrides it.
    """

    async def route(self, request: ConnectRequest) -> CallRoute:
        """Decide where an inbound call goes."""
        return CallRoute()

    async def on_dtmf(self, session_id: str, digit: str) -> None:
        """The caller pressed `digit`."""

    async def transfer(self, session_id: str, target: str) -> dict[str, Any]:
        """Transfer the call to `target`; returns metadata to record on the session."""
        return {"transfer_target": target}


@dataclass(slots=True)
class Hooks:
    """Every hook of a backend; None disables the check."""

    auth: AuthHook | None = None
    rate_limiter: RateLimiter | None = None
    retention: DataRetentionHook = field(default_factory=DataRetentionHook)
    telephony: TelephonyHook | None = None
