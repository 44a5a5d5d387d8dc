"""UtteranceSTT: the shared processor for in-process STT engines that work per utterance."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames import (
    InputAudioFrame,
    InterimTranscriptFrame,
    TranscriptFrame,
    TurnEndFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles
from voicegraph.processors.bus_reports import publish_error, publish_metrics
from voicegraph.processors.stt.utterance_tracker import Action, Begin, End, Feed, UtteranceTracker

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from voicegraph.framework.context import StartContext
    from voicegraph.processors.stt.recognizer import Recognizer

PCM16K = AudioFormat(16000, 1, SampleFormat.S16)
log = logging.getLogger(__name__)


ENGINE_WAIT_S = 1.5
"""Longest wait for a shared engine (a PocketSphinx decoder) at the end of an utterance.

Waiting happens on the event loop: threads blocked in a wait could take every worker
thread from the sessions holding the decoders, which need one to give them back."""

_Job = Action | TurnEndFrame | None
"""Engine work in order; None ends the worker."""


class UtteranceSTT(Processor):
    """Base of the in-process STT nodes: one transcript per user utterance.

    An utterance runs from UserStartedSpeakingFrame (plus `preroll_ms` of audio before
    it) to UserStoppedSpeakingFrame, which takes effect once the audio queued before it
    has been read (at most `catch_up_ms` later), or to a TurnEndFrame, whichever comes
    first. Engine calls run in worker threads, in order, off the data path, so audio
    keeps flowing while an utterance is transcribed.

    Subclasses build their `Recognizer` in `_load` (run off the loop in `on_start`); its
    engine comes from the process's `ENGINES`, so `load_engines` before a session makes
    the session's start cheap.
    """

    concurrent: ClassVar[bool] = True
    interruptible = False
    background_output: ClassVar[bool] = True  # transcripts come from the engine worker task
    accepts: tuple[AudioFormat, ...] | None = (PCM16K,)

    def __init__(
        self,
        *,
        preroll_ms: float = 300.0,
        catch_up_ms: float = 150.0,
        max_utterance_s: float = 30.0,
        forward_audio: bool = False,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self._tracker = UtteranceTracker(PCM16K.rate, preroll_ms=preroll_ms, max_ms=max_utterance_s * 1000)
        self._catch_up = catch_up_ms / 1000
        self._forward_audio = forward_audio
        self._jobs: asyncio.Queue[_Job] = asyncio.Queue(maxsize=2000)  # ~40 s of 20 ms frames
        self._recognizer: Recognizer | None = None
        self._ctx: StartContext | None = None
        self._worker: asyncio.Task[None] | None = None
        self._held: list[_Job] = []  # a job taken from the queue while batching audio
        self._ends: deque[float] = deque()  # when each queued End took effect (perf_counter)
        self._last_interim = ""
        self.load_ms = 0.0
        """Time the engine took to load in `on_start`."""

    def output_format(self, input_format: AudioFormat | None) -> AudioFormat | None:
        """The input format when audio is forwarded, else none (text only)."""
        return input_format if self._forward_audio else None

    def _load(self) -> Recognizer:
        """Build the recognizer (blocking; runs in a worker thread)."""
        raise NotImplementedError

    def load_engines(self) -> None:
        """Load the engine into the process's registry (blocking; for preloading)."""
        self._load().close()

    def warm_engines(self) -> None:
        """Run one utterance of noise through the engine: pays its first-run costs (blocking)."""
        rec = self._load()
        try:
            rec.begin(np.zeros(0, np.int16))
            rec.feed(_warm_audio())
            rec.end()
        finally:
            rec.close()

    async def on_start(self, ctx: StartContext) -> None:
        t0 = time.perf_counter()
        self._recognizer = await asyncio.to_thread(self._load)
        self.load_ms = (time.perf_counter() - t0) * 1000
        self._ctx = ctx
        self._worker = ctx.spawn(self._work(), name=f"{self.name}:engine")

    # -- input -------------------------------------------------------------------------
    @handles
    async def on_audio(self, frame: InputAudioFrame, out: Outbox) -> None:
        pcm: NDArray[np.int16] = np.asarray(frame.samples(), dtype=np.int16)
        await self._enqueue(self._tracker.audio(pcm, frame.pts))
        if self._forward_audio:
            await out.send(frame)

    @handles
    async def on_user_started(self, frame: UserStartedSpeakingFrame, out: Outbox) -> None:
        await self._enqueue(self._tracker.start(frame.pts))
        await out.send(frame)

    @handles
    async def on_user_stopped(self, frame: UserStoppedSpeakingFrame, out: Outbox) -> None:
        self._tracker.stop(frame.pts, frame.speech_end_ns or frame.pts)
        if self._ctx is not None:
            self._ctx.spawn(self._settle_later(frame.pts), name=f"{self.name}:catch-up")
        await out.send(frame)

    @handles
    async def on_turn_end(self, frame: TurnEndFrame, out: Outbox) -> None:
        await self._enqueue(self._tracker.finish(frame.speech_end_ns))
        await self._jobs.put(frame)  # forwarded by the worker, after the transcript

    async def on_drain(self, out: Outbox) -> None:
        await self._enqueue(self._tracker.finish())
        await self._jobs.put(None)
        if self._worker is not None:
            await self._worker

    async def _settle_later(self, pts: int) -> None:
        await self.clock.sleep(self._catch_up)
        await self._enqueue(self._tracker.settle(pts))

    async def _enqueue(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, End):
                self._ends.append(time.perf_counter())
            await self._jobs.put(action)

    # -- engine worker -----------------------------------------------------------------
    async def _work(self) -> None:
        rec = self._recognizer
        assert rec is not None
        while (job := self._held.pop() if self._held else await self._jobs.get()) is not None:
            try:
                await self._run(rec, job)
            except Exception as exc:  # an engine failure costs one utterance, not the session
                self._report(exc)

    async def _run(self, rec: Recognizer, job: Action | TurnEndFrame) -> None:
        if isinstance(job, Feed):
            await self._feed(rec, job.pcm)
        elif isinstance(job, Begin):
            self._last_interim = ""
            await asyncio.to_thread(rec.begin, job.preroll)
        elif isinstance(job, End):
            await self._end(rec, job.speech_end_ns)
        else:
            await self.outbox.send(job)

    async def _feed(self, rec: Recognizer, pcm: NDArray[np.int16]) -> None:
        parts = [pcm]
        while not self._jobs.empty():  # batch what queued up: one thread hop per batch
            nxt = self._jobs.get_nowait()
            if not isinstance(nxt, Feed):
                self._held.append(nxt)
                break
            parts.append(nxt.pcm)
        interim = await asyncio.to_thread(rec.feed, np.concatenate(parts) if len(parts) > 1 else pcm)
        if interim and interim != self._last_interim:
            self._last_interim = interim
            await self.outbox.send(InterimTranscriptFrame(text=interim))

    async def _end(self, rec: Recognizer, speech_end_ns: int) -> None:
        # From the moment the utterance ended: the engine may still be decoding the last
        # audio queued before the stop (streaming engines), which is engine time too.
        t0 = self._ends.popleft() if self._ends else time.perf_counter()
        await self._wait_ready(rec)
        result = await asyncio.to_thread(rec.end)
        self._metric("stt_final_ms", (time.perf_counter() - t0) * 1000)
        if result.text.strip():
            await self.outbox.send(
                TranscriptFrame(
                    text=result.text.strip(),
                    confidence=result.confidence,
                    speech_end_ns=speech_end_ns,
                    language=result.language,
                )
            )

    async def _wait_ready(self, rec: Recognizer) -> None:
        """Wait (on the loop, not in a worker thread) until a shared engine can take the
        end of this utterance, at most `ENGINE_WAIT_S`; past it `end` goes ahead anyway."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ENGINE_WAIT_S
        # A poll, not an Event: the pool is shared by threads and by sessions on any loop.
        while not rec.ready() and loop.time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.01)

    def _report(self, exc: Exception) -> None:
        err = (
            exc
            if isinstance(exc, VoiceError)
            else VoiceError(ErrorCode.PIPELINE_ERROR, f"STT failed: {exc!r}")
        )
        err = err.with_node(self.name)
        log.warning("%s: %s", self.name, err, exc_info=exc)
        publish_error(self._ctx, self.name, err)

    def _metric(self, key: str, value: float) -> None:
        publish_metrics(self._ctx, self.name, {key: value})

    async def on_stop(self) -> None:
        rec, self._recognizer = self._recognizer, None
        if rec is not None:  # gives a shared decoder back, even mid-utterance
            await asyncio.to_thread(rec.close)


def _warm_audio() -> NDArray[np.int16]:
    """0.5 s of loud noise: above every speech gate, so the engine really runs."""
    noise = np.random.default_rng(12).normal(0.0, 3000.0, 8000)
    out: NDArray[np.int16] = np.clip(noise, -32767, 32767).astype(np.int16)
    return out
