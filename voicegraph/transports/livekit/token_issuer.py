"""TokenIssuer: signs LiveKit access tokens (JWT) for the agent and for clients."""

from __future__ import annotations

import datetime
import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from voicegraph.framework.errors import ErrorCode, VoiceError, missing_dependency
from voicegraph.transports.livekit.room_grants import RoomGrants

if TYPE_CHECKING:
    from voicegraph.transports.livekit.livekit_config import LiveKitConfig

ParticipantKind = Literal["standard", "agent", "sip", "ingress", "egress"]


@dataclass(frozen=True, slots=True)
class TokenRequest:
    """Who asks for a token, for which room, and as what."""

    identity: str
    room: str
    name: str = ""
    metadata: str = ""
    attributes: Mapping[str, str] = field(default_factory=dict)
    kind: ParticipantKind = "standard"
    ttl_s: int | None = None
    """Token lifetime; None: the config's `token_ttl_s`."""


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    """The claims of a token whose signature checked out."""

    identity: str
    name: str
    kind: str
    metadata: str
    grants: RoomGrants


AuthHook = Callable[[TokenRequest, RoomGrants], "Awaitable[RoomGrants | None] | RoomGrants | None"]
"""Sees every token request with the grants proposed; returns the grants to sign (it may
add or remove some), or None to refuse. May be sync or async; raising refuses too."""


class TokenIssuer:
    """Issues HS256 JWTs signed with the API secret, as LiveKit expects.

    Clients get `room_join` plus publish/subscribe/data in one room; the agent also gets
    the `agent` grant and the agent participant kind. Every request goes through the
    auth hook first, if one is set, which may change the grants or refuse.

    Args:
        config: URL, API key and secret, default token lifetime.
        auth_hook: called for every request (see `AuthHook`).
    """

    def __init__(self, config: LiveKitConfig, *, auth_hook: AuthHook | None = None) -> None:
        self.config = config
        self.auth_hook = auth_hook

    async def client_token(
        self,
        identity: str,
        room: str,
        *,
        name: str = "",
        metadata: str = "",
        attributes: Mapping[str, str] | None = None,
        ttl_s: int | None = None,
        grants: RoomGrants | None = None,
    ) -> str:
        """A token for a user joining `room` as `identity`.

        Raises:
            VoiceError: (invalid_input) empty identity or room; (authorization_failed)
                the auth hook refused.
        """
        request = TokenRequest(identity, room, name, metadata, dict(attributes or {}), "standard", ttl_s)
        return await self.issue(request, grants or RoomGrants(room=room))

    async def agent_token(self, room: str) -> str:
        """A token for this process's agent participant in `room`.

        Raises:
            VoiceError: (authorization_failed) the auth hook refused.
        """
        cfg = self.config
        request = TokenRequest(cfg.agent_identity, room, cfg.agent_name, kind="agent")
        return await self.issue(request, RoomGrants(room=room, agent=True))

    async def issue(self, request: TokenRequest, grants: RoomGrants) -> str:
        """Run the auth hook on `grants`, then sign the token.

        Raises:
            VoiceError: (invalid_input) empty identity or room; (authorization_failed)
                the hook refused or failed.
        """
        if not request.identity or (grants.room_join and not request.room):
            raise VoiceError(ErrorCode.INVALID_INPUT, "a join token needs an identity and a room")
        granted = await self._authorize(request, grants.replace(room=grants.room or request.room))
        try:
            from livekit import api
        except ImportError:
            raise missing_dependency("livekit", "livekit-api") from None
        ttl = datetime.timedelta(seconds=request.ttl_s or self.config.token_ttl_s)
        token = (
            api.AccessToken(self.config.api_key, self.config.secret())
            .with_identity(request.identity)
            .with_name(request.name)
            .with_metadata(request.metadata)
            .with_kind(request.kind)
            .with_ttl(ttl)
            .with_grants(granted.to_livekit())
        )
        if request.attributes:
            token = token.with_attributes(dict(request.attributes))
        jwt: str = token.to_jwt()
        return jwt

    async def _authorize(self, request: TokenRequest, grants: RoomGrants) -> RoomGrants:
        if self.auth_hook is None:
            return grants
        try:
            result = self.auth_hook(request, grants)
            if inspect.isawaitable(result):
                result = await result
        except VoiceError:
            raise
        except Exception as exc:
            raise VoiceError(
                ErrorCode.AUTHORIZATION_FAILED, f"auth hook failed: {type(exc).__name__}"
            ) from exc
        if result is None:
            raise VoiceError(
                ErrorCode.AUTHORIZATION_FAILED, f"token refused for {request.identity!r} in {request.room!r}"
            )
        return result

    def verify(self, token: str) -> VerifiedToken:
        """Check a token's signature, issuer and expiry against this config; its claims.

        Raises:
            VoiceError: (authentication_failed) bad signature, wrong key or expired.
        """
        try:
            from livekit import api
        except ImportError:
            raise missing_dependency("livekit", "livekit-api") from None
        try:
            claims = api.TokenVerifier(self.config.api_key, self.config.secret()).verify(token)
        except Exception as exc:
            raise VoiceError(
                ErrorCode.AUTHENTICATION_FAILED, f"invalid token: {type(exc).__name__}"
            ) from None
        video = RoomGrants.from_livekit(claims.video) if claims.video else RoomGrants(room_join=False)
        return VerifiedToken(claims.identity, claims.name, claims.kind, claims.metadata, video)
