"""Fixtures shared by the provider tests."""

from __future__ import annotations

import pytest

from voicegraph.backends.providers import register_builtin

from .vapi_config import ENV


@pytest.fixture
def vapi_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Vapi test environment (`vapi_config.ENV`) set, and the built-in providers registered
    (the venv's entry points may predate the vapi provider)."""
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    register_builtin()
