"""VoiceActivityDetector: the VAD node, one class for every engine (Silero, WebRTC, energy)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    Frame,
    InputAudioFrame,
    SpeechOnsetFrame,
    StreamTimeFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles
from voicegraph.processors.vad.barge_in_onset import BargeInParams
from voicegraph.processors.vad.vad_analyzer import VADParams
from voicegraph.processors.vad.vad_engine import (
    EngineOption,
    VADEngine,
    check_vad_engine,
    create_vad_engine,
    vad_engine_rates,
)
from voicegraph.processors.vad.vad_stream import VADStream

if TYPE_CHECKING:
    from voicegraph.framework.context import StartContext
    from voicegraph.processors.vad.vad_analyzer import VADEvent

EngineFactory = Callable[[int], VADEngine]
"""Builds an engine for one stream at a given sample rate."""

_ANY_RATE = (16000, 8000, 24000, 48000)  # offered to negotiation by rate-agnostic engines
_WINDOW_MS = {"silero": 32.0, "webrtc": 20.0, "energy": 20.0}


class VoiceActivityDetector(Processor):
    """Detects when the user starts and stops speaking.

    Handles: InputAudioFrame (mono s16 at a rate the engine takes; the graph converts
    other formats). Emits: every audio frame unchanged, plus UserStartedSpeakingFrame and
    UserStoppedSpeakingFrame (system frames) when the state machine changes state; the
    stop frame's `speech_end_ns` is the graph-clock time speech really ended (the
    decision time minus the silence that confirmed it), the start frame's
    `speech_start_ns` the time it began (the decision time minus the speech that
    confirmed it). While quiet, the first speech window sends SpeechOnsetFrame(heard=True)
    and, if no start follows, SpeechOnsetFrame(heard=False) when it fades, so a turn
    detector need not end a turn the user is already resuming. With `interrupt_on_speech`,
    a start also requests a barge-in interruption (before the start frame goes out).
    Barge-in onset: between BotStartedSpeakingFrame and BotStoppedSpeakingFrame (sent
    upstream by the output transport; forwarded unchanged) the `barge_in` rule applies:
    "fast" (default with Silero) starts after `barge_in.start_secs` (0.032 s) of speech windows of
    confidence >= 0.9 that rise `min_rise_db` over the noise floor, so a short first word
    ("Wait, stop...") cuts the bot wherever it falls against the windows; "stock" keeps
    `params.start_secs`. The defaults were measured with Silero (benchmarks/barge_in.py).
    Stream clock: each of those frames is preceded by a `StreamTimeFrame` stamp with its
    times in input-stream time (audio analyzed since the session started), and after a
    stop, every analyzed chunk sends a `StreamTimeFrame` tick for `tick_horizon_s` of
    stream time (until the next start), so turn detectors time their delay on the audio,
    not on when it was delivered (bursts, stalls and jitter give the same turns).
    Latency: `stop_secs` plus one window before a stop is known (declared); starts are
    known `start_secs` plus up to one window after speech begins. Not interruptible:
    flush keeps the state (the user is still talking). Drain: open speech is closed
    with a stop frame.

    Args:
        engine: "silero" (default), "webrtc", "energy", or a factory `rate -> VADEngine`.
        params: thresholds and timings of the state machine.
        engine_options: keyword options for a named engine (e.g. {"mode": 3} for webrtc).
        interrupt_on_speech: request an interruption when the user starts speaking.
        tick_horizon_s: how long (stream time) after a stop ticks are sent; 0: none.
        barge_in: the start rule while the bot speaks (default: "fast" with Silero,
            "stock" with the other engines, which take noise for speech more often).
    """

    interruptible = False
    latency = LatencySpec(ms=332.0, note="VAD stop_secs 0.3 s + one 32 ms window")

    def __init__(
        self,
        *,
        engine: str | EngineFactory = "silero",
        params: VADParams | None = None,
        engine_options: Mapping[str, EngineOption] | None = None,
        interrupt_on_speech: bool = False,
        tick_horizon_s: float = 10.0,
        barge_in: BargeInParams | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.params = params or VADParams()
        # The fast rule trusts the engine to tell speech from noise: Silero does, the
        # webrtc and energy engines fire on breath and noise bursts (benchmarks/barge_in.py).
        self.barge_in = barge_in or BargeInParams(rule="fast" if engine == "silero" else "stock")
        self._bot_speaking = False
        self._engine = engine
        self._options = dict(engine_options or {})
        self._interrupt = interrupt_on_speech
        self._tick_horizon_ns = round(tick_horizon_s * 1e9)
        self._ticks_until: int | None = None  # stream time up to which ticks are sent
        self._stream: VADStream | None = None
        self._format: AudioFormat | None = None
        window_ms = 32.0
        if isinstance(engine, str):
            check_vad_engine(engine)  # unknown name or missing package fails at build time
            rates = vad_engine_rates(engine) or _ANY_RATE
            self.accepts = tuple(AudioFormat(r, 1, SampleFormat.S16) for r in rates)
            opts = self._options
            window_ms = float(opts.get("frame_ms", opts.get("window_ms", _WINDOW_MS[engine])))
        # Declared per instance, since stop_secs is a parameter (the class value is the default).
        self.latency = LatencySpec(
            ms=self.params.stop_secs * 1000 + window_ms, note="VAD stop_secs + one analysis window"
        )

    @property
    def speaking(self) -> bool:
        """True between a start frame and its stop frame."""
        return self._stream is not None and self._stream.analyzer.speaking

    def accepts_format(self, fmt: AudioFormat) -> bool:
        """Mono s16 at a rate the engine takes (any rate for the energy engine)."""
        if fmt.channels != 1 or fmt.sample_format is not SampleFormat.S16:
            return False
        if isinstance(self._engine, str) and vad_engine_rates(self._engine) is None:
            return True
        return self.accepts is None or fmt in self.accepts

    async def on_start(self, ctx: StartContext) -> None:
        """Build the engine for the negotiated rate (off the loop: Silero loads a model)."""
        if ctx.input_format is not None and ctx.input_format.sample_format is SampleFormat.S16:
            self._stream = await asyncio.to_thread(self._new_stream, ctx.input_format)

    def preload_engine(self, fmt: AudioFormat, *, warm: bool = True) -> None:
        """Build one stream's engine at `fmt` as `on_start` will, before any session (Silero's
        model then sits in the process's `ENGINES`); run it once on silence when `warm`.
        Blocking. Used by `voicegraph.processors.engines.engine_preload`; the node keeps no state."""
        engine = self._build_engine(fmt)
        if warm:
            engine.confidence(np.zeros(engine.window_samples, np.int16))

    def _build_engine(self, fmt: AudioFormat) -> VADEngine:
        if not self.accepts_format(fmt):
            raise VoiceError(ErrorCode.INVALID_INPUT, f"VAD cannot analyze {fmt}", node=self.name)
        if isinstance(self._engine, str):
            return create_vad_engine(self._engine, fmt.rate, self._options)
        return self._engine(fmt.rate)

    def _new_stream(self, fmt: AudioFormat) -> VADStream:
        engine = self._build_engine(fmt)
        self._format = fmt
        stream = VADStream(engine, self.params, onsets=True, barge=self.barge_in)
        stream.analyzer.bot_speaking = self._bot_speaking
        return stream

    @handles(BotStartedSpeakingFrame, BotStoppedSpeakingFrame)
    async def on_bot_speaking(self, frame: Frame, out: Outbox) -> None:
        """Switch the barge-in rule on or off, then pass the frame on its way."""
        self._bot_speaking = isinstance(frame, BotStartedSpeakingFrame)
        if self._stream is not None:
            self._stream.analyzer.bot_speaking = self._bot_speaking
        await out.forward(frame)

    @handles
    async def on_audio(self, frame: InputAudioFrame, out: Outbox) -> None:
        """Forward the audio, then analyze it and emit speaking events."""
        await out.send(frame)
        stream = self._stream
        if stream is None or frame.format != self._format:
            fmt = frame.format
            if fmt.channels != 1 or fmt.sample_format is not SampleFormat.S16:
                raise VoiceError(ErrorCode.INVALID_INPUT, f"VAD takes mono s16, got {fmt}", node=self.name)
            stream = self._stream = self._new_stream(fmt)
        events = stream.push(frame.samples())  # type: ignore[arg-type]  # s16 checked above
        for event in events:
            await self._emit(event, stream.pushed_ns, out)
        await self._tick(stream, out)

    async def _tick(self, stream: VADStream, out: Outbox) -> None:
        """After a stop, tell turn detectors how far the stream has been analyzed."""
        until = self._ticks_until
        if until is None or stream.analyzer.speaking:
            return
        now = stream.analyzer.now_ns
        if now > until:
            self._ticks_until = None
        await out.send(StreamTimeFrame(stream_ns=now))

    async def _emit(self, event: VADEvent, pushed_ns: int, out: Outbox) -> None:
        # Stream time -> graph clock: the end of what was pushed is "now".
        at_ns = self.clock.now_ns() - (pushed_ns - event.speech_ns)
        frame: Frame
        if event.tentative:
            frame = SpeechOnsetFrame(heard=event.speaking, onset_ns=at_ns)
        elif event.speaking:
            self._ticks_until = None
            if self._interrupt:
                await out.request_interrupt("user_started_speaking")
            frame = UserStartedSpeakingFrame(speech_start_ns=at_ns)
        else:
            if self._tick_horizon_ns > 0:
                self._ticks_until = event.at_ns + self._tick_horizon_ns
            frame = UserStoppedSpeakingFrame(speech_end_ns=at_ns)
        await out.send(StreamTimeFrame(stream_ns=event.at_ns, marks=frame.id, speech_ns=event.speech_ns))
        await out.send(frame)

    async def on_drain(self, out: Outbox) -> None:
        """End of stream: close open speech with a stop frame."""
        stream = self._stream
        if stream is None:
            return
        event = stream.finish()
        if event is not None:
            await self._emit(event, stream.pushed_ns, out)
