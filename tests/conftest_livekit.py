"""pytest plugin: a session-scoped real livekit-server, its media in a namespace of our own.

Registered from tests/conftest.py with ``pytest_plugins = ["tests.conftest_livekit"]``.

The binary comes from ``LIVEKIT_SERVER_BIN`` or ``scripts/livekit_server.sh``
(builds the pinned version once into ``${VOICEGRAPH_CACHE:-~/.cache/voicegraph}``).
If neither works, tests using the fixture fail: the LiveKit tests run against the real
server or not at all (no skips).

Tests that use the LiveKit SDKs request ``livekit`` (not ``livekit_server``): it puts the
test's thread into the server's network namespace for the test's duration, so the SDKs'
media stays in it (see tests/livekit_server.py).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from .livekit_server import LiveKitServer, LiveKitServerError, PrivateNetns, find_or_build_binary

_sdk_started_in: list[str] = []

LIVEKIT_WARNINGS = (
    "ignore:The HMAC key is .* bytes long",  # PyJWT on the --dev secret, short by design
    # livekit 1.2.1: after a full reconnect the native side has already dropped handles
    # that Python wrappers still own, and their __del__ asserts (python-sdks #288, #524)
    "ignore:Exception ignored in.*FfiHandle.__del__:pytest.PytestUnraisableExceptionWarning",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests on the real server tolerate the two known SDK warnings above, nothing else."""
    for item in items:
        if "livekit" in getattr(item, "fixturenames", ()):
            for spec in LIVEKIT_WARNINGS:
                item.add_marker(pytest.mark.filterwarnings(spec))


@pytest.fixture(scope="session")
def livekit_server_bin() -> str:
    try:
        return find_or_build_binary()
    except LiveKitServerError as e:
        pytest.fail(f"livekit-server unavailable: {e}")


@pytest.fixture(scope="session")
def livekit_netns() -> Iterator[PrivateNetns | None]:
    """Our own network namespace for the servers and the SDKs' media (None: plain loopback)."""
    try:
        ns = PrivateNetns.create_if_possible()
    except LiveKitServerError as e:
        pytest.fail(str(e))
    try:
        yield ns
    finally:
        if ns is not None:
            ns.delete()


@pytest.fixture(scope="session")
def livekit_server(livekit_server_bin: str, livekit_netns: PrivateNetns | None) -> Iterator[LiveKitServer]:
    """A running livekit-server (``--dev``, devkey/secret, rooms auto-created).

    Exposes ``url`` (ws://127.0.0.1), ``http_url``, ``api_key``, ``api_secret``, ``pid``,
    ``media_ip``, ``network()``, ``restart()`` (kill -9 + start on the same ports),
    ``stop()``, ``log_tail()``. A test that restarts or stops it must leave it running.
    """
    server = LiveKitServer(binary=livekit_server_bin, netns=livekit_netns)
    server.start(timeout=30.0)
    try:
        yield server
    finally:
        server.stop(timeout=10.0)


@pytest.fixture
def livekit(livekit_server: LiveKitServer) -> Iterator[LiveKitServer]:
    """`livekit_server`, with the test's thread inside its network namespace."""
    with livekit_server.network():
        _start_sdk_here(livekit_server)
        yield livekit_server
        gc.collect()  # SDK wrappers die here, under this test's warning filters


def _start_sdk_here(server: LiveKitServer) -> None:
    """Start the rtc SDK's native runtime inside the namespace, or fail if it runs elsewhere.

    Its threads are made once per process, by the first call into the SDK, and inherit
    the namespace of the thread that makes them.
    """
    if server.netns is None:
        return
    from livekit.rtc._ffi_client import FfiClient

    if not _sdk_started_in:
        if FfiClient._instance is not None:
            pytest.fail("the LiveKit SDK was started outside the test namespace by an earlier test")
        _ = FfiClient.instance
        _sdk_started_in.append(server.netns.name)
    elif _sdk_started_in[0] != server.netns.name:
        pytest.fail(f"the LiveKit SDK runs in namespace {_sdk_started_in[0]}, not {server.netns.name}")
