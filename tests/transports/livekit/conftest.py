"""Fixtures for the LiveKit backend tests: config for the real server, users, agents."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.livekit_server import LiveKitServer
from voicegraph.transports.livekit import LiveKitConfig, TokenIssuer

from .sim_user import SimUser


def make_config(server: LiveKitServer, **overrides: object) -> LiveKitConfig:
    """A config for `server` with short test timings."""
    values: dict[str, object] = {
        "url": server.url, "api_key": server.api_key, "api_secret": server.api_secret,
        "connect_timeout_s": 10.0, "request_timeout_s": 5.0, "rejoin_grace_s": 20.0,
    }  # fmt: skip
    values.update(overrides)
    return LiveKitConfig.create(**values)


@pytest.fixture
def lk_config(livekit: LiveKitServer) -> Iterator[LiveKitConfig]:
    yield make_config(livekit)


@pytest.fixture
def room_name() -> str:
    return f"room-{uuid.uuid4().hex[:8]}"


async def join_user(config: LiveKitConfig, room: str, identity: str) -> SimUser:
    """A simulated user in `room`, joined with a client token from `TokenIssuer`."""
    token = await TokenIssuer(config).client_token(identity, room)
    return await SimUser(config.url, token, identity, agent_identity=config.agent_identity).join()
