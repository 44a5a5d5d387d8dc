"""Fixtures for the fault suites: the real redis-server of the backend tests."""

from __future__ import annotations

from tests.backends.conftest import redis_url

__all__ = ["redis_url"]
