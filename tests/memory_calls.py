"""Waiting on a memory transport's client side in graph tests."""

from __future__ import annotations

import asyncio

from voicegraph.framework.frames import OutputAudioFrame
from voicegraph.transports.memory_transport import MemoryTransport


async def reply_played(conn: MemoryTransport, *, timeout_s: float) -> bool:
    """Whether bot audio reaches the client within `timeout_s`."""
    try:
        async with asyncio.timeout(timeout_s):
            while not isinstance(await conn.next_output(), OutputAudioFrame):
                pass
    except TimeoutError:
        return False
    return True
