"""StreamPipe: relays bytes one way between two asyncio streams, injecting chunk faults."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voicegraph.testing.fault_schedule import Fault

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Awaitable, Callable

    from voicegraph.testing.fault_schedule import FaultSchedule

CHUNK = 64 * 1024


def abort(*writers: asyncio.StreamWriter) -> None:
    """Cut connections at once (RST, no FIN): what a crashed peer or a dead link looks like."""
    for w in writers:
        w.transport.abort()


async def pipe(
    src: asyncio.StreamReader,
    dst: asyncio.StreamWriter,
    schedule: FaultSchedule,
    direction: str,
    both: tuple[asyncio.StreamWriter, asyncio.StreamWriter],
    hold: Callable[[float], Awaitable[None]],
) -> None:
    """Copy `src` to `dst` until EOF, asking `schedule` about each chunk read.

    On EOF the write side of `dst` is closed (half-close), so the other direction keeps
    flowing. A `drop` or `truncate` fault cuts both connections (`both`); `delay` and
    `stall` hold the chunk (`hold(seconds)`, which returns early when the proxy stops),
    then forward it.
    """
    while True:
        try:
            data = await src.read(CHUNK)
        except (ConnectionError, OSError):
            abort(*both)
            return
        if not data:
            try:
                if dst.can_write_eof() and not dst.is_closing():
                    dst.write_eof()
            except OSError:  # the other side is already gone (ENOTCONN): nothing to pass on
                abort(*both)
            return
        fault = schedule.decide("chunk", direction)
        await hold(schedule.hold_s(fault))
        if fault is Fault.DROP:
            abort(*both)
            return
        elif fault is Fault.TRUNCATE:
            data = data[: len(data) // 2]
        if dst.is_closing():
            return
        dst.write(data)
        try:
            await dst.drain()
        except (ConnectionError, OSError):
            abort(*both)
            return
        if fault is Fault.TRUNCATE:
            abort(*both)
            return
