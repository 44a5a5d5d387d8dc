"""GracefulShutdown: SIGTERM stops gracefully; a second signal forces the stop."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Sequence

log = logging.getLogger("voicegraph.shutdown")


class GracefulShutdown:
    """Turns termination signals into a graceful stop, and a repeated signal into a forced one.

    First signal: `stop()` runs (a backend stops accepting, lets in-flight turns finish up
    to its timeout, persists, then cancels). Second signal while that runs: the graceful
    stop is cancelled and `force()` runs (persist and cancel at once). `wait()` returns
    once the stop has finished. Signal handlers are installed on the running loop.

    Args:
        stop: the graceful stop.
        force: the forced stop.
        signals: which signals count (default SIGTERM and SIGINT).
    """

    def __init__(
        self,
        stop: Callable[[], Coroutine[Any, Any, None]],
        force: Callable[[], Coroutine[Any, Any, None]],
        *,
        signals: Sequence[signal.Signals] = (signal.SIGTERM, signal.SIGINT),
    ) -> None:
        self._stop, self._force = stop, force
        self._signals = tuple(signals)
        self.received = 0
        self.forced = False
        self._requested = asyncio.Event()
        self._task: asyncio.Task[Any] | None = None
        self._force_task: asyncio.Task[Any] | None = None

    def install(self) -> None:
        """Install the signal handlers on the running loop."""
        loop = asyncio.get_running_loop()
        for sig in self._signals:
            loop.add_signal_handler(sig, self.trigger, sig)

    def uninstall(self) -> None:
        """Remove the signal handlers."""
        loop = asyncio.get_running_loop()
        for sig in self._signals:
            loop.remove_signal_handler(sig)

    def trigger(self, sig: signal.Signals | None = None) -> None:
        """What a signal does (callable directly, e.g. from tests or an admin endpoint)."""
        self.received += 1
        loop = asyncio.get_running_loop()
        if self.received == 1:
            log.warning("signal %s: stopping gracefully (again to force)", sig.name if sig else "-")
            self._task = loop.create_task(self._stop(), name="shutdown:graceful")
            self._requested.set()
        elif self._force_task is None:
            log.warning("second signal: forcing the stop")
            self.forced = True
            if self._task is not None:
                self._task.cancel()
            self._force_task = loop.create_task(self._force(), name="shutdown:forced")

    @property
    def requested(self) -> bool:
        """Whether a stop was asked for."""
        return self._requested.is_set()

    async def wait(self) -> None:
        """Wait for a signal, then for the stop (graceful, or forced) to finish."""
        await self._requested.wait()
        assert self._task is not None
        await asyncio.wait([self._task])  # does not raise if a forced stop cancelled it
        if self._force_task is not None:
            await self._force_task
        elif not self._task.cancelled() and self._task.exception() is not None:
            raise self._task.exception()  # type: ignore[misc]
