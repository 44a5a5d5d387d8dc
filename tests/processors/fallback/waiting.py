"""Polling helpers for the fallback tests (chain state has no event to wait on)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


async def until(predicate: Callable[[], bool], *, timeout_s: float = 30.0, what: str = "condition") -> None:
    """Wait until `predicate()` holds; fail the test after `timeout_s`."""
    try:
        async with asyncio.timeout(timeout_s):
            while not predicate():  # noqa: ASYNC110 - polls plain state no event signals
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"timed out after {timeout_s}s waiting for {what}") from None
