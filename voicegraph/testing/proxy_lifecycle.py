"""ProxyLifecycle: what every fault proxy shares — `async with`, and faults that hold."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from types import TracebackType


class ProxyLifecycle:
    """Base of the fault proxies: `async with proxy:` starts and stops it, and `hold` is
    a delay or stall fault that ends early once the proxy stops (so a stop never waits
    for a long stall). Subclasses implement `start` and `stop` and set `_stopping`."""

    def __init__(self) -> None:
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        """Listen (the subclass's transport)."""
        raise NotImplementedError

    async def stop(self) -> None:
        """Stop listening and end the open connections."""
        raise NotImplementedError

    async def hold(self, seconds: float) -> None:
        """Sleep `seconds` (a delay or stall fault), or less if the proxy stops meanwhile."""
        if seconds > 0 and not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    await self._stopping.wait()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
