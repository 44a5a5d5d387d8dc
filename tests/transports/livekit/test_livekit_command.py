"""`voicegraph livekit`: tokens, rooms and health against the real server."""

from __future__ import annotations

import json

import anyio
import pytest

from tests.livekit_server import LiveKitServer
from voicegraph.cli import main
from voicegraph.transports.livekit import RoomAdmin, TokenIssuer

from .conftest import make_config

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]


def server_args(server: LiveKitServer) -> list[str]:
    return ["livekit", "--url", server.url, "--api-key", server.api_key, "--api-secret", server.api_secret]


def test_token_prints_a_join_token_for_the_room(
    livekit: LiveKitServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main([*server_args(livekit), "token", "--room", "lobby", "--identity", "zoe", "--name", "Zoe"]) == 0
    )
    claims = TokenIssuer(make_config(livekit)).verify(capsys.readouterr().out.strip())
    assert (claims.identity, claims.name, claims.grants.room, claims.grants.room_join) == (
        "zoe",
        "Zoe",
        "lobby",
        True,
    )


def test_rooms_lists_the_rooms_on_the_server(
    livekit: LiveKitServer, capsys: pytest.CaptureFixture[str]
) -> None:
    async def create() -> None:
        async with RoomAdmin(make_config(livekit)) as admin:
            await admin.create_room("listed-by-cli")

    anyio.run(create)
    assert main([*server_args(livekit), "rooms"]) == 0
    assert any(
        line.startswith("listed-by-cli\t0 participants") for line in capsys.readouterr().out.splitlines()
    )


def test_health_reports_a_reachable_server_as_healthy(
    livekit: LiveKitServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*server_args(livekit), "health"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "healthy" and report["components"]["server"]["probe"].startswith("ok")


def test_a_bad_secret_exits_with_a_coded_error(
    livekit: LiveKitServer, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["livekit", "--url", livekit.url, "--api-key", livekit.api_key, "--api-secret", "wrong", "rooms"]
    assert main(args) == 2
    assert "[authentication_failed]" in capsys.readouterr().err
