"""TokenIssuer: JWTs for clients and the agent, and an auth hook that adds or refuses grants."""

from __future__ import annotations

import pytest

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.transports.livekit import LiveKitConfig, RoomGrants, TokenIssuer, TokenRequest

pytestmark = [pytest.mark.anyio, pytest.mark.filterwarnings("ignore:The HMAC key is .* bytes long")]

CONFIG = LiveKitConfig.create(url="ws://127.0.0.1:7880", api_key="devkey", api_secret="secret")


async def test_a_client_token_lets_the_user_join_publish_and_subscribe_in_one_room() -> None:
    issuer = TokenIssuer(CONFIG)
    claims = issuer.verify(await issuer.client_token("alice", "lobby", name="Alice", metadata='{"tier": 1}'))
    assert (claims.identity, claims.name, claims.metadata, claims.kind) == (
        "alice",
        "Alice",
        '{"tier": 1}',
        "standard",
    )
    g = claims.grants
    assert (g.room, g.room_join, g.can_publish, g.can_subscribe, g.can_publish_data) == (
        "lobby",
        True,
        True,
        True,
        True,
    )
    assert not (g.agent or g.room_admin or g.room_create)


async def test_the_agent_token_carries_the_agent_grant_and_kind() -> None:
    issuer = TokenIssuer(CONFIG)
    claims = issuer.verify(await issuer.agent_token("lobby"))
    assert (claims.identity, claims.kind) == (CONFIG.agent_identity, "agent")
    assert claims.grants.agent and claims.grants.room == "lobby"


async def test_an_auth_hook_can_take_away_publishing() -> None:
    def listen_only(request: TokenRequest, grants: RoomGrants) -> RoomGrants:
        return grants.replace(can_publish=False) if request.identity.startswith("guest-") else grants

    issuer = TokenIssuer(CONFIG, auth_hook=listen_only)
    guest = issuer.verify(await issuer.client_token("guest-1", "lobby")).grants
    member = issuer.verify(await issuer.client_token("bob", "lobby")).grants
    assert (guest.can_publish, member.can_publish) == (False, True)


async def test_an_async_auth_hook_can_add_grants() -> None:
    async def admins(request: TokenRequest, grants: RoomGrants) -> RoomGrants:
        return grants.replace(room_admin=True) if request.metadata == "admin" else grants

    issuer = TokenIssuer(CONFIG, auth_hook=admins)
    assert issuer.verify(await issuer.client_token("eve", "lobby", metadata="admin")).grants.room_admin


async def test_an_auth_hook_that_returns_none_refuses_the_token() -> None:
    issuer = TokenIssuer(CONFIG, auth_hook=lambda request, grants: None)
    with pytest.raises(VoiceError) as err:
        await issuer.client_token("mallory", "lobby")
    assert err.value.code is ErrorCode.AUTHORIZATION_FAILED


async def test_an_auth_hook_that_crashes_refuses_the_token() -> None:
    def broken(request: TokenRequest, grants: RoomGrants) -> RoomGrants:
        raise KeyError("no such user")

    with pytest.raises(VoiceError) as err:
        await TokenIssuer(CONFIG, auth_hook=broken).client_token("x", "lobby")
    assert err.value.code is ErrorCode.AUTHORIZATION_FAILED


async def test_a_join_token_needs_an_identity_and_a_room() -> None:
    with pytest.raises(VoiceError) as err:
        await TokenIssuer(CONFIG).client_token("", "lobby")
    assert err.value.code is ErrorCode.INVALID_INPUT


async def test_a_token_signed_with_another_secret_fails_verification() -> None:
    other = LiveKitConfig.create(url=CONFIG.url, api_key="devkey", api_secret="not-the-secret")
    token = await TokenIssuer(other).client_token("alice", "lobby")
    with pytest.raises(VoiceError) as err:
        TokenIssuer(CONFIG).verify(token)
    assert err.value.code is ErrorCode.AUTHENTICATION_FAILED
