"""Fixtures shared by the node tests."""

from __future__ import annotations

import pytest

from tests.fakes.cartesia_server import API_KEY


@pytest.fixture
def cartesia_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """`CARTESIA_API_KEY` set to the key the fake Cartesia accepts; returns it."""
    monkeypatch.setenv("CARTESIA_API_KEY", API_KEY)
    return API_KEY
