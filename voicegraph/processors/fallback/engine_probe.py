"""EngineProbe: retries the failed engines of a chain in the background, with bounded backoff."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.processors.fallback.engine_health import EngineState, is_failover

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from voicegraph.framework.context import StartContext
    from voicegraph.processors.fallback.engine_chain import EngineChain

log = logging.getLogger("voicegraph.fallback")


class EngineProbe:
    """Probes each failed engine of `chain` until it is healthy again.

    A probe restarts the engine (`on_stop`, then `on_start` with the chain's context) and
    runs `check(index)`, which raises if the engine is still down; all within `timeout_s`.
    The first probe comes `interval_s` after the failure, each next one after twice the
    last wait, at most `max_interval_s`. The engine's state goes failed -> probing ->
    healthy (or back to failed); `changed()` is called at each change. A healthy engine
    serves again from the chain's next turn (`EngineChain.select_for_turn`).

    Args:
        chain: the engines and their health.
        check: the slot's check of a restarted engine.
        changed: called after every state change (publishes the chain's health).
        interval_s, max_interval_s, timeout_s: backoff bounds and each probe's deadline.
    """

    def __init__(
        self,
        chain: EngineChain,
        check: Callable[[int], Awaitable[None]],
        changed: Callable[[], None],
        *,
        interval_s: float,
        max_interval_s: float,
        timeout_s: float,
    ) -> None:
        self.chain = chain
        self._check = check
        self._changed = changed
        self.interval_s, self.max_interval_s, self.timeout_s = interval_s, max_interval_s, timeout_s
        self.running: set[int] = set()
        """Engines with a probe loop: their output is not the chain's."""
        self._ctx: StartContext | None = None

    def attach(self, ctx: StartContext) -> None:
        """The running graph's context (engines restart with it; loops run in its tasks)."""
        self._ctx = ctx

    def start(self, i: int) -> None:
        """Probe engine `i` until it recovers (no-op if a loop already runs for it)."""
        if i in self.running or self._ctx is None:
            return
        self.running.add(i)
        self._ctx.spawn(self._loop(i), name=f"{self.chain.name}:probe{i}")

    async def _loop(self, i: int) -> None:
        delay = self.interval_s
        health = self.chain.health[i]
        try:
            while True:
                await asyncio.sleep(delay)
                health.state = EngineState.PROBING
                health.probes += 1
                self._changed()
                if await self._once(i):
                    health.state = EngineState.HEALTHY
                    health.recoveries += 1
                    return
                health.state = EngineState.FAILED
                self._changed()
                delay = min(delay * 2, self.max_interval_s)
        finally:
            self.running.discard(i)
            self._changed()

    async def _once(self, i: int) -> bool:
        engine = self.chain.engines[i]
        assert self._ctx is not None
        try:
            async with asyncio.timeout(self.timeout_s):
                await engine.on_stop()
                await engine.on_start(self._ctx)
                await self._check(i)
        except Exception as exc:
            if isinstance(exc, TimeoutError):
                exc = VoiceError(ErrorCode.TIMEOUT, f"probe of {engine.name} timed out", node=engine.name)
            elif not is_failover(exc):
                log.warning("%s: probe of %s: %s", self.chain.name, engine.name, exc)
            self.chain.health[i].last_error = str(getattr(exc, "code", type(exc).__name__))
            return False
        return True
