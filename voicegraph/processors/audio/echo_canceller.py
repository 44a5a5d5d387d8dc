"""EchoCanceller: removes the bot's own voice from the microphone before the VAD."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames.audio import InputAudioFrame
from voicegraph.framework.frames.base import UNSTAMPED
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles
from voicegraph.processors.audio.echo_double_talk import DoubleTalkBypass
from voicegraph.processors.audio.echo_reference import EchoReference, echo_reference
from voicegraph.processors.audio.echo_webrtc_engine import RATES, WebRTCEchoEngine

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from voicegraph.framework.context import StartContext


class EchoCanceller(Processor):
    """Acoustic echo cancellation against what the output played (issue 19).

    Handles `InputAudioFrame` (mono s16 at 8/16/32/48 kHz; negotiation converts other
    formats). On start it puts an `EchoReference` in `StartContext.shared`; the output
    transport's playout loop (`PacedPlayout`) writes every chunk it plays there with its
    clock time. Each microphone frame is taken to end at its `pts` (when it entered the
    graph); the canceller reads the reference over the same span of clock time and runs
    WebRTC AEC3 (`WebRTCEchoEngine`), which finds the echo path's delay (up to a few
    hundred ms) and reverb itself. A block louder than the loudest recently played block
    minus `bypass_margin_db` goes on raw (`DoubleTalkBypass`: the user is speaking, and
    AEC3 would suppress them where it finds no echo path). Emits the same frames,
    cleaned, in whole 10 ms blocks (a 20 ms frame gives one 20 ms frame). Other frames
    pass through.

    Latency: none for frames of whole 10 ms blocks; otherwise up to 10 ms of framing.
    CPU: about 0.1 ms per 10 ms block. Not interruptible (user input): flush keeps its
    state. Drain: a remainder short of 10 ms is dropped.

    Args:
        noise_suppression: also run WebRTC's noise suppressor.
        delay_ms: a known render-to-capture delay hint (0: let AEC3 estimate it).
        bypass_margin_db: see `DoubleTalkBypass` (None: always the cancelled signal).

    Raises:
        VoiceError: `missing_dependency` (the `livekit` extra is not installed),
            `invalid_config` (negative `bypass_margin_db`).
    """

    interruptible = False
    latency = LatencySpec(0.0, "whole 10 ms blocks pass at once")
    accepts = tuple(AudioFormat(r, 1, SampleFormat.S16) for r in RATES)

    def __init__(
        self,
        *,
        noise_suppression: bool = False,
        delay_ms: int = 0,
        bypass_margin_db: float | None = 6.0,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self._ns = noise_suppression
        self._delay_ms = delay_ms
        self._engine: WebRTCEchoEngine | None = None
        self._bypass = DoubleTalkBypass(margin_db=bypass_margin_db) if bypass_margin_db is not None else None
        self._ref: EchoReference | None = None
        self._pending = np.zeros(0, np.int16)
        self.blocks = 0
        """10 ms blocks cancelled so far."""

    @property
    def bypassed_blocks(self) -> int:
        """Blocks that went on raw while the bot's audio was recent (`DoubleTalkBypass`)."""
        return self._bypass.bypassed if self._bypass is not None else 0

    async def on_start(self, ctx: StartContext) -> None:
        fmt = ctx.input_format
        rate = fmt.rate if fmt is not None and fmt.rate in RATES else 16000
        self._engine = WebRTCEchoEngine(rate, noise_suppression=self._ns, delay_ms=self._delay_ms)
        self._ref = echo_reference(ctx.shared, rate)

    @handles
    async def on_audio(self, frame: InputAudioFrame, out: Outbox) -> None:
        eng = self._engine
        if eng is None or frame.format not in self.accepts or frame.format.rate != eng.rate:
            await out.send(frame)  # negotiation keeps this from happening; never drop audio
            return
        pcm = np.frombuffer(frame.data, np.int16)
        end_ns = frame.pts if frame.pts != UNSTAMPED else self.clock.now_ns()
        buf = np.concatenate((self._pending, pcm)) if self._pending.size else pcm
        start_ns = end_ns - buf.size * 1_000_000_000 // eng.rate
        whole = buf.size - buf.size % eng.block
        cleaned = self._cancel(buf[:whole], start_ns)
        self._pending = buf[whole:].copy()
        if cleaned.size:
            await out.send(dataclasses.replace(frame, data=cleaned.tobytes()))

    def _cancel(self, near: NDArray[np.int16], start_ns: int) -> NDArray[np.int16]:
        eng, ref = self._engine, self._ref
        assert eng is not None and ref is not None
        n = eng.block
        out = np.empty_like(near)
        block_ns = 10_000_000
        for k in range(0, near.size, n):
            far = ref.read(start_ns + (k // n) * block_ns, n)
            block = near[k : k + n]
            cleaned = eng.process(block, far)
            out[k : k + n] = cleaned if self._bypass is None else self._bypass.choose(block, far, cleaned)
        self.blocks += near.size // n
        return out
