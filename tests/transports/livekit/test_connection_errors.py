"""Bad credentials, unknown rooms and unreachable servers give coded errors, quickly."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from tests.livekit_server import LOOPBACK, LiveKitServer, PrivateNetns
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.transports.livekit import LiveKitConfig, LiveKitTransport, RoomAdmin

from .conftest import make_config
from .voice_agent import voice_agent

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.timeout(60)]


@pytest.fixture(scope="module")
def strict_server(livekit_server_bin: str, livekit_netns: PrivateNetns | None) -> Iterator[LiveKitServer]:
    """A second server that refuses to create rooms on join."""
    server = LiveKitServer(
        binary=livekit_server_bin, netns=livekit_netns, extra_config="room:\n  auto_create: false\n"
    )
    server.start(timeout=30.0)
    try:
        yield server
    finally:
        server.stop(timeout=10.0)


def transport(config: LiveKitConfig) -> LiveKitTransport:
    return LiveKitTransport(config, voice_agent({}, {}))


async def join_error(
    config: LiveKitConfig, room: str = "room-x", *, create: bool = True
) -> tuple[VoiceError, float]:
    t0 = time.monotonic()
    async with transport(config) as lk:
        with pytest.raises(VoiceError) as err:
            await lk.join(room, create=create)
        assert not lk.rooms
    return err.value, time.monotonic() - t0


async def test_a_wrong_secret_fails_the_join_with_authentication_failed(livekit: LiveKitServer) -> None:
    err, elapsed = await join_error(make_config(livekit, api_secret="not-the-secret"), create=False)
    assert err.code is ErrorCode.AUTHENTICATION_FAILED and elapsed < 5


async def test_an_unknown_api_key_fails_the_join_with_authentication_failed(livekit: LiveKitServer) -> None:
    err, _ = await join_error(make_config(livekit, api_key="nobody"), create=False)
    assert err.code is ErrorCode.AUTHENTICATION_FAILED


async def test_a_wrong_secret_fails_room_service_calls_with_authentication_failed(
    livekit: LiveKitServer,
) -> None:
    async with RoomAdmin(make_config(livekit, api_secret="not-the-secret")) as admin:
        with pytest.raises(VoiceError) as err:
            await admin.list_rooms()
    assert err.value.code is ErrorCode.AUTHENTICATION_FAILED


async def test_joining_a_room_the_server_does_not_know_fails_with_connection_failed(
    livekit: LiveKitServer, strict_server: LiveKitServer
) -> None:
    err, elapsed = await join_error(make_config(strict_server), "no-such-room", create=False)
    assert err.code is ErrorCode.CONNECTION_FAILED and not err.retriable and elapsed < 5


async def test_with_create_the_agent_makes_the_room_the_strict_server_lacks(
    livekit: LiveKitServer, strict_server: LiveKitServer
) -> None:
    config = make_config(strict_server)
    async with transport(config) as lk:
        state = (await lk.join("made-by-the-agent")).state
        participants = await lk.admin.list_participants("made-by-the-agent")
    assert state == "connected"
    assert [(p.identity, p.kind) for p in participants] == [(config.agent_identity, "agent")]


async def test_a_port_nobody_listens_on_fails_with_connection_failed(livekit: LiveKitServer) -> None:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        port = s.getsockname()[1]
    err, elapsed = await join_error(make_config(livekit, url=f"ws://{LOOPBACK}:{port}"), create=False)
    assert err.code is ErrorCode.CONNECTION_FAILED and err.retriable and elapsed < 5


async def test_a_server_that_never_answers_fails_with_connection_timeout_at_the_deadline(
    livekit: LiveKitServer,
) -> None:
    with socket.socket() as silent:  # accepts TCP connections (backlog) but never speaks
        silent.bind((LOOPBACK, 0))
        silent.listen(8)
        url = f"ws://{LOOPBACK}:{silent.getsockname()[1]}"
        err, elapsed = await join_error(make_config(livekit, url=url, connect_timeout_s=1.5), create=False)
    assert err.code is ErrorCode.CONNECTION_TIMEOUT and 1.4 < elapsed < 4


async def test_room_service_on_a_silent_server_fails_with_connection_timeout(livekit: LiveKitServer) -> None:
    with socket.socket() as silent:
        silent.bind((LOOPBACK, 0))
        silent.listen(8)
        config = make_config(livekit, url=f"ws://{LOOPBACK}:{silent.getsockname()[1]}", request_timeout_s=1.0)
        async with RoomAdmin(config) as admin:
            with pytest.raises(VoiceError) as err:
                await admin.create_room("x")
    assert err.value.code is ErrorCode.CONNECTION_TIMEOUT
