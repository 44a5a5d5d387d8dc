"""Fixtures of the worker tests: a redis-server in the test livekit-server's namespace."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.livekit_server import LiveKitServer

from .worker_fleet import RedisProcess


@pytest.fixture
def redis_in_netns(livekit: LiveKitServer) -> Iterator[RedisProcess]:
    """A redis-server the workers (and the test) reach on the server's loopback."""
    redis = RedisProcess(livekit)
    try:
        yield redis
    finally:
        redis.stop()
