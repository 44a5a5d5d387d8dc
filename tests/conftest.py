"""Shared pytest configuration: anyio on asyncio for async tests."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.conftest_livekit"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
