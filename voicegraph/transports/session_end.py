"""end_with_connection: a session's graph ends the way its connection ended."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from voicegraph.framework.errors import VoiceError

if TYPE_CHECKING:
    from voicegraph.framework.runtime import Runtime
    from voicegraph.transports.session_connection import SessionConnection

log = logging.getLogger("voicegraph.session")


async def end_with_connection(rt: Runtime, conn: SessionConnection) -> None:
    """Wait until `conn` finishes, then end the started `rt` the same way.

    A clean end (client end, hang-up, the graph's own end frame) drains the graph; a
    lost client, or this task being cancelled, cancels it. A graph that does not drain
    within the runtime's end timeout is logged, not raised: the session is over anyway.
    """
    try:
        await conn.wait_finished()
    except asyncio.CancelledError:
        await rt.cancel()
        raise
    if conn.lost:
        await rt.cancel()
        return
    try:
        await rt.end()
    except VoiceError as err:
        log.warning("session %s did not drain: %s", conn.session_id, err)
