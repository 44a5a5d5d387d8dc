"""Pipecat logs through loguru at DEBUG by default: keep its warnings and errors only."""

from __future__ import annotations

import sys

_done = False


def quiet_pipecat_logs(level: str = "WARNING") -> None:
    """Route loguru (Pipecat's logger) to stderr at `level`, once per process.

    Pipecat writes a DEBUG line per link, frame and lifecycle step; at that level the
    logging costs more than the frames. Applications that configure loguru themselves
    can call `logger.remove()`/`logger.add()` after this.
    """
    global _done
    if _done:
        return
    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level=level)
    _done = True
