"""FallbackNode: the shared body of the fallback STT, TTS and LLM nodes (guarded calls,
switching within a turn, background probes, health on the bus)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any, ClassVar

from voicegraph.framework.bus import CustomEvent, ErrorEvent
from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.processor import Processor
from voicegraph.processors.bus_reports import publish_error, publish_metrics
from voicegraph.processors.fallback.engine_chain import EngineChain, build_engines
from voicegraph.processors.fallback.engine_health import board, is_failover
from voicegraph.processors.fallback.engine_probe import EngineProbe
from voicegraph.processors.fallback.engine_seat import EngineSeat

if TYPE_CHECKING:
    from collections.abc import Sequence

    from voicegraph.framework.context import StartContext
    from voicegraph.framework.formats import AudioFormat
    from voicegraph.framework.frames.base import Frame
    from voicegraph.framework.outbox import Outbox
    from voicegraph.processors.fallback.engine_chain import EngineSpec

log = logging.getLogger("voicegraph.fallback")
HEALTH_EVENT = "engine_health"
"""Name of the bus `CustomEvent` a chain publishes at every state change."""


class FallbackNode(Processor):
    """Base of `FallbackSTT`/`FallbackTTS`/`FallbackLLM`: hosts an ordered chain of engines
    and hands each frame to the active one; see those classes for what each slot handles,
    replays and emits.

    A call into an engine fails when it raises, or reports on the bus, an error that
    `is_failover` accepts (connection errors, timeouts, retriable 5xx), or makes no
    progress (no output) for `attempt_timeout_s`. The chain then flushes that engine,
    marks it failed, makes the next healthy engine active and replays the turn to it
    (`replay_frames`); the failed one is probed in the background (restart, then the
    slot's `probe`), first after `probe_interval_s`, doubling up to `max_probe_interval_s`,
    and serves again from the next turn once a probe passes. Output of any engine but the
    active one is dropped (`stale_dropped`). Health (`engine_health` bus event, `/health`)
    changes at every switch and probe. Latency: the active engine's; a switch costs the
    failure detection plus the replay. Flush reaches every engine's `on_flush`; drain the
    active engine's `on_drain`.
    """

    concurrent: ClassVar[bool] = True
    background_output: ClassVar[bool] = True

    def __init__(
        self,
        *,
        engines: Sequence[EngineSpec],
        attempt_timeout_s: float = 5.0,
        probe_interval_s: float = 0.5,
        max_probe_interval_s: float = 10.0,
        probe_timeout_s: float = 5.0,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        if (
            min(attempt_timeout_s, probe_interval_s, probe_timeout_s) <= 0
            or max_probe_interval_s < probe_interval_s
        ):
            raise VoiceError(ErrorCode.INVALID_CONFIG, "timeouts must be > 0 and max_probe_interval_s >= "
                             "probe_interval_s", node=self.name)  # fmt: skip
        self.chain = EngineChain(self.name, build_engines(engines, chain=self.name))
        self.attempt_timeout_s = attempt_timeout_s
        self.probe_interval_s = probe_interval_s
        self.max_probe_interval_s = max_probe_interval_s
        self.probe_timeout_s = probe_timeout_s
        n = len(self.chain.engines)
        self._index = {e.name: i for i, e in enumerate(self.chain.engines)}
        self._seats: list[EngineSeat] = []
        self._timers: list[asyncio.Timeout | None] = [None] * n
        self._failure: list[BaseException | None] = [None] * n
        self._pending: list[BaseException | None] = [None] * n
        self._seen: list[int] = [0] * n
        self._wake = [asyncio.Event() for _ in range(n)]
        self._prober = EngineProbe(
            self.chain, self._check, self._publish,
            interval_s=probe_interval_s, max_interval_s=max_probe_interval_s, timeout_s=probe_timeout_s,
        )  # fmt: skip
        self._passed: dict[int, Frame] = {}
        self._replaying = False
        self._quiet: set[int] = set()
        self._switched_at: float | None = None
        self._ctx: StartContext | None = None
        self._unsubscribe: Any = None
        self._board_key = ""
        self.stale_dropped = 0
        """Frames from engines other than the active one, dropped."""
        self.switch_ms: list[float] = []
        """Per switch: ms from the failure's detection to the next engine's first result
        frame (`content`: audio, text or transcript)."""
        self.reset_turn()

    @property
    def engines(self) -> tuple[Processor, ...]:
        """The chain's engines, best first."""
        return self.chain.engines

    def output_format(self, input_format: AudioFormat | None) -> AudioFormat | None:
        """The first engine's output format."""
        return self.chain.engines[0].output_format(input_format)

    def snapshot(self) -> dict[str, Any]:
        """The chain's health (what `/health` and the bus event show)."""
        return self.chain.snapshot()

    content: ClassVar[tuple[type[Frame], ...]] = ()
    """The slot's result frames (audio, text, transcripts): a switch is timed to the first."""

    # -- slot hooks ----------------------------------------------------------------------
    def reset_turn(self) -> None:
        """Forget the turn's recorded frames (at construction, a turn's end and a flush)."""

    def replay_frames(self) -> list[Frame]:
        """The frames that bring a new engine to where the failed one was in this turn."""
        return []

    def on_output(self, index: int, frame: Frame) -> list[Frame]:
        """The active engine's `frame` as it should go out (none, it, or held ones)."""
        return [frame]

    async def on_switch(self, failed: int, err: BaseException) -> bool:
        """A failed engine was left mid-turn; False stops the replay (LLM: tokens out)."""
        return True

    async def probe(self, index: int) -> None:
        """Check a restarted engine; raise (or report on the bus) if it is still down."""

    # -- lifecycle -------------------------------------------------------------------------
    async def on_start(self, ctx: StartContext) -> None:
        self._ctx = ctx
        self._prober.attach(ctx)
        runtime = self._attached().runtime
        formats = (ctx.input_format, None)
        for i, engine in enumerate(self.chain.engines):
            fmt = engine.output_format(ctx.input_format)
            self._seats.append(
                EngineSeat(i, engine, runtime, self._deliver, self._interrupt, (formats[0], fmt))
            )
        self._unsubscribe = ctx.bus.subscribe(self._on_bus_error, ErrorEvent)
        self._board_key = board.add(self)
        for i, engine in enumerate(self.chain.engines):
            try:
                await engine.on_start(ctx)
            except Exception as exc:
                if not is_failover(exc):
                    raise
                self._fail(i, exc)
        if self._pending[0] is not None:  # reported on the bus while starting
            self._fail(0, self._pending[0])
        self._publish()

    async def on_flush(self) -> None:
        self.reset_turn()
        self._passed.clear()
        for i, engine in enumerate(self.chain.engines):
            if i not in self._prober.running:
                await engine.on_flush()

    async def on_drain(self, out: Outbox) -> None:
        i = self.chain.active
        if i is not None:
            await self.chain.engines[i].on_drain(self._seats[i].out)

    async def on_stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        board.remove(self._board_key)
        for engine in self.chain.engines:
            try:
                await engine.on_stop()
            except Exception as exc:  # one engine's close must not keep the others open
                log.warning("%s: stopping %s: %s", self.name, engine.name, exc)

    # -- dispatch --------------------------------------------------------------------------
    async def dispatch(self, frame: Frame) -> None:
        """Hand `frame` to the active engine; on failure switch and replay the turn
        (`frame` included: the slot records it before)."""
        i = self.chain.active
        if i is None:
            i = self.chain.select_for_turn()  # a probe may have brought one back
            if i is None:
                return await self._unavailable(frame)
        err = self._pending[i]
        if err is None:
            err = await self._attempt(i, frame)
        if err is not None:
            await self._switch(i, err, frame)

    def new_turn(self) -> bool:
        """A turn starts: prefer the first healthy engine again; forget passed frames.
        Returns whether the active engine changed."""
        self._passed.clear()
        before = self.chain.active
        if self.chain.select_for_turn() == before:
            return False
        self._publish()
        return True

    async def feed_quietly(self, frames: list[Frame]) -> None:
        """Give the active engine `frames` it missed while another engine served (STT: the
        audio just before the VAD start). They went out already: the engine's pass-through
        of them is dropped. A failure here is left for the next frame to switch on."""
        i = self.chain.active
        if i is None:
            return
        self._quiet = {id(f) for f in frames}
        try:
            for f in frames:
                err = await self._attempt(i, f)
                if err is not None:
                    self._pending[i] = err
                    return
        finally:
            self._quiet = set()

    async def _attempt(self, i: int, frame: Frame) -> BaseException | None:
        engine = self.chain.engines[i]
        handler = engine.handler_for(type(frame))
        if handler is None:
            if id(frame) not in self._quiet:
                await self._deliver(i, frame, False)
            return None
        self._failure[i] = None
        try:
            async with asyncio.timeout(self.attempt_timeout_s) as timer:
                self._timers[i] = timer
                await handler(frame, self._seats[i].out)
        except TimeoutError:
            msg = f"{engine.name}: no progress in {self.attempt_timeout_s}s"
            return self._failure[i] or VoiceError(ErrorCode.TIMEOUT, msg, node=engine.name, retriable=True)
        except Exception as exc:
            if not is_failover(exc):
                raise
            return exc
        finally:
            self._timers[i] = None
        return self._failure[i]

    async def _switch(self, i: int, err: BaseException, frame: Frame) -> None:
        while True:
            detected = time.perf_counter()
            keep_going = await self.on_switch(i, err)
            await self._quiet_flush(i)
            nxt = self._fail(i, err)
            self._publish()
            if nxt is None:
                return await self._unavailable(frame)
            if not keep_going:
                return
            self._switched_at = detected
            replay = self.replay_frames()
            if not any(f is frame for f in replay):
                replay.append(frame)
            failed = await self._replay(nxt, replay)
            if failed is None:
                return
            i, err = nxt, failed

    async def _replay(self, i: int, frames: list[Frame]) -> BaseException | None:
        self._replaying = True
        try:
            for f in frames:
                err = await self._attempt(i, f)
                if err is not None:
                    return err
        finally:
            self._replaying = False
        return None

    async def _quiet_flush(self, i: int) -> None:
        """Make a failed engine forget the turn (cancel its contexts), within 1 s."""
        try:
            async with asyncio.timeout(1.0):
                await self.chain.engines[i].on_flush()
        except Exception as exc:
            log.debug("%s: flushing failed %s: %s", self.name, self.chain.engines[i].name, exc)

    def _fail(self, i: int, err: BaseException) -> int | None:
        log.warning("%s: leaving %s: %s", self.name, self.chain.engines[i].name, err)
        self._pending[i] = None
        nxt = self.chain.fail(i, err)
        self._prober.start(i)
        return nxt

    async def _unavailable(self, frame: Frame) -> None:
        err = VoiceError(ErrorCode.ENGINE_UNAVAILABLE, f"no healthy engine for {type(frame).__name__}",
                         node=self.name, retriable=True)  # fmt: skip
        publish_error(self._ctx, self.name, err)

    # -- engine output -----------------------------------------------------------------------
    async def _deliver(self, i: int, frame: Frame, up: bool) -> None:
        self._seen[i] += 1
        self._wake[i].set()
        if i != self.chain.active or i in self._prober.running:
            self.stale_dropped += 1
            return
        if (self._replaying and id(frame) in self._passed) or id(frame) in self._quiet:
            return  # an input frame the engine passes on again while it is replayed to
        timer = self._timers[i]
        if timer is not None:
            timer.reschedule(asyncio.get_running_loop().time() + self.attempt_timeout_s)
        if up:
            await self.outbox.send_up(frame)
            return
        for f in self.on_output(i, frame):
            await self._emit(f)

    async def _emit(self, frame: Frame) -> None:
        if self._switched_at is not None and (not self.content or isinstance(frame, self.content)):
            self.switch_ms.append((time.perf_counter() - self._switched_at) * 1000)
            self._switched_at = None
            self._metric("switch_ms", self.switch_ms[-1])
        if len(self._passed) > 4096:  # a turn longer than this replays without de-duplication
            self._passed.clear()
        self._passed[id(frame)] = frame
        await self.outbox.send(frame)

    async def _interrupt(self, reason: str) -> None:
        await self.outbox.request_interrupt(reason)

    def _on_bus_error(self, event: ErrorEvent) -> None:
        i = self._index.get(event.node)
        if i is not None and is_failover(event.error):
            self.mark_failing(i, event.error)

    def mark_failing(self, i: int, err: BaseException) -> None:
        """Engine `i` failed outside a result: a call in progress fails now; otherwise, if it
        is the active engine, the next frame switches."""
        self._failure[i] = err
        self._wake[i].set()
        timer = self._timers[i]
        if timer is not None:
            timer.reschedule(asyncio.get_running_loop().time())
        elif i == self.chain.active and i not in self._prober.running:
            self._pending[i] = err

    # -- probes and health -------------------------------------------------------------------
    async def _check(self, i: int) -> None:
        """A restarted engine's check: the slot's `probe`, and no failure on the bus."""
        self._failure[i] = None
        self._seen[i] = 0
        self._wake[i].clear()
        await self.probe(i)
        failure = self._failure[i]
        if failure is not None:
            raise failure

    async def probe_call(self, i: int, frame: Frame, *, want_output: bool) -> None:
        """Run engine `i`'s handler for `frame` in a probe; raise if it fails or stays silent.

        Raises:
            VoiceError: (timeout) no output came; or the engine's own error.
        """
        engine = self.chain.engines[i]
        handler = engine.handler_for(type(frame))
        if handler is not None:
            await handler(frame, self._seats[i].out)
        if want_output and self._seen[i] == 0 and self._failure[i] is None:
            await self._wake[i].wait()  # output or a failure; bounded by the probe's deadline
        failure = self._failure[i]
        if failure is not None:
            raise failure

    def _publish(self) -> None:
        if self._ctx is not None:
            bus = self._ctx.bus
            bus.publish(CustomEvent(graph=bus.name, name=HEALTH_EVENT, payload=self.snapshot()))

    def _metric(self, key: str, value: float) -> None:
        publish_metrics(self._ctx, self.name, {key: value})
