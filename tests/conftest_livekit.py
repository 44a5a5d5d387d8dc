"""pytest plugin: a session-scoped real livekit-server on loopback.

Register from tests/conftest.py with ``pytest_plugins = ["tests.conftest_livekit"]``
(or the module path that matches the rootdir/import mode in use).

The binary comes from ``LIVEKIT_SERVER_BIN`` or ``scripts/livekit_server.sh``
(builds the pinned version once into ``${VOICEGRAPH_CACHE:-~/.cache/voicegraph}``).
If neither works, tests using the fixture fail: the LiveKit tests run against the real
server or not at all (no skips).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .livekit_server import LiveKitServer, LiveKitServerError, find_or_build_binary


@pytest.fixture(scope="session")
def livekit_server_bin() -> str:
    try:
        return find_or_build_binary()
    except LiveKitServerError as e:
        pytest.fail(f"livekit-server unavailable: {e}")


@pytest.fixture(scope="session")
def livekit_server(livekit_server_bin: str) -> Iterator[LiveKitServer]:
    """A running livekit-server (``--dev``, devkey/secret) on 127.0.0.1 free ports.

    Exposes ``url`` (ws://), ``http_url``, ``api_key``, ``api_secret``, ``pid``,
    ``restart()`` (kill -9 + start on the same ports), ``stop()``, ``log_tail()``.
    A test that restarts or stops it must leave it running again.
    """
    server = LiveKitServer(binary=livekit_server_bin)
    server.start(timeout=30.0)
    try:
        yield server
    finally:
        server.stop(timeout=10.0)
