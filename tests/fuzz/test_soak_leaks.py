"""Leaks the soak benchmark looks for, shown on a small scale (benchmarks/soak.py has the figures)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.backends.support import memory_backend
from voicegraph.backends.providers.memory import MAX_KEPT_ERRORS
from voicegraph.framework import Graph
from voicegraph.framework.errors import ErrorCode, VoiceError

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]


def failing_graph(conn: Any) -> Graph:
    raise VoiceError(ErrorCode.INVALID_CONFIG, "this graph never builds")


async def test_failed_memory_sessions_keep_a_bounded_number_of_errors() -> None:
    async with memory_backend(failing_graph, max_sessions=50) as backend:
        server = backend.transport
        for _ in range(MAX_KEPT_ERRORS + 40):
            client = await server.connect()
            await client.wait_finished()
        async with asyncio.timeout(10):
            await backend.manager.wait_ended()
        assert len(server.errors) == MAX_KEPT_ERRORS
        assert {e.code for e in server.errors.values()} <= {
            ErrorCode.INVALID_CONFIG,
            ErrorCode.PIPELINE_ERROR,
        }
