"""PipecatService: a Pipecat STT, TTS, LLM or realtime service hosted as a voicegraph node."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from voicegraph.framework.errors import EndOfStream, ErrorCode, VoiceError
from voicegraph.framework.formats import AudioFormat, SampleFormat
from voicegraph.framework.frames import (
    InputAudioFrame,
    LLMMessagesFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    ResponseEndFrame,
    ResponseStartFrame,
    SentenceFrame,
    TextFrame,
    TranscriptFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.framework.frames.base import Frame
from voicegraph.framework.latency import LatencySpec
from voicegraph.framework.outbox import Outbox
from voicegraph.framework.processor import Processor, handles
from voicegraph.processors.agent.tool_call_frame import LLMToolCallFrame
from voicegraph.processors.agent.tool_registry import ToolRegistry
from voicegraph.processors.bus_reports import publish_error, publish_metrics
from voicegraph.processors.pipecat_service.service_loader import create_service, import_pipecat, service_kind
from voicegraph.processors.pipecat_service.tool_round import ToolRound

if TYPE_CHECKING:
    from collections.abc import Iterable

    from voicegraph.framework.context import StartContext
    from voicegraph.processors.agent.tool_registry import ToolLike
    from voicegraph.processors.pipecat_service.frames_in import FramesIn
    from voicegraph.processors.pipecat_service.frames_out import FramesOut
    from voicegraph.processors.pipecat_service.pipecat_host import PipecatHost

log = logging.getLogger(__name__)
BARRIER_MAX_S = 2.0
"""Longest wait for the interruption to come out of a service that swallows it."""
_AUDIO_IN = ("stt", "realtime", "vad")
_TEXT_IN = ("tts",)
_CONTEXT_IN = ("llm", "realtime")


class PipecatService(Processor):
    """Hosts one Pipecat service (`pipecat-ai`, optional) in Pipecat's own pipeline worker.

    Handles, by the service's kind: VAD (Pipecat's `VADProcessor` with its analyzer, e.g.
    `SileroVADAnalyzer`) takes `InputAudioFrame` (passed on in Pipecat's order) and emits
    `UserStartedSpeakingFrame`/`UserStoppedSpeakingFrame` (with `interrupt_on_speech`, a
    start first requests a barge-in); STT and realtime take `InputAudioFrame` and the VAD's
    `UserStartedSpeakingFrame`/`UserStoppedSpeakingFrame` (as Pipecat's VAD and user
    speaking frames; the originals go on); LLM and realtime take `LLMMessagesFrame`
    (as an `LLMContextFrame` with its tools); TTS takes the reply markers and
    `LLMTextFrame`/`TextFrame`/`SentenceFrame` (inside a reply streamed as text, outside
    one spoken at once as `TTSSpeakFrame`). Other frames pass by.

    Emits: `TranscriptFrame`/`InterimTranscriptFrame` (a realtime service's transcript of
    the user, which Pipecat pushes upstream, goes downstream); `LLMResponseStartFrame`,
    `LLMTextFrame`, `LLMResponseEndFrame` and `LLMToolCallFrame` (the calls the model asked
    for; with `tools`, once run, with their results and the round's messages);
    `TTSAudioFrame` with Pipecat's word timestamps placed on the chunks (`word_times_ms`,
    for the played-words report) or `OutputAudioFrame`.
    Pipecat `ErrorFrame`s become `ErrorEvent`s with a code, `MetricsFrame`s
    `MetricsEvent`s (ttfb_ms, processing_ms, tokens).

    Latency: the service's own plus Pipecat's queue hops and the translation (about
    0.1 ms per frame against 0.01 ms for a native node; benchmarks/pipecat_service.py).
    Lifecycle: start runs Pipecat's `StartFrame` (the service connects or loads its
    model); drain sends `EndFrame` and waits (at most `drain_timeout_s`) for what the
    service still says; stop sends `CancelFrame`. Flush (LLM, TTS, realtime; STT and VAD
    are on the input path: not interrupted): a Pipecat `InterruptionFrame` goes into the
    service, and nothing it produces gets past the node until that frame has come out of
    it, nor ever again for a TTS context that was live before the flush
    (`stale_dropped` counts them).

    Args:
        service: the class path (`pipecat.services.whisper.stt.WhisperSTTService`) or a
            service object.
        args: keyword arguments for the class; a `settings` dict becomes its `Settings`.
        kind: "auto" (from Pipecat's base classes), "stt", "tts", "llm", "realtime", "vad".
        sample_rate: output audio rate (TTS, realtime): Pipecat's `audio_out_sample_rate`.
        input_rate: input audio rate (STT, realtime): Pipecat's `audio_in_sample_rate`.
        forward_audio: STT: pass the input audio on as well (a VAD always does).
        interrupt_on_speech: VAD: request an interruption when the user starts speaking.
        tools: LLM: voicegraph tools (a ToolRegistry, tools or "module:attr" specs) the
            node runs for the model's calls, closing each round as Pipecat's context
            aggregator would (results into the context, the LLM runs again); their
            schemas go with every context that has none of its own.
        start_timeout_s: longest wait for the service to start.
        drain_timeout_s: longest wait for the service to finish at end of stream.

    Raises:
        VoiceError: (missing_dependency) pipecat-ai or the service's extra is missing;
            (invalid_config) the class path names no Pipecat service, or bad `args`.
    """

    concurrent: ClassVar[bool] = True
    background_output: ClassVar[bool] = True  # frames come from Pipecat's tasks
    latency = LatencySpec(ms=0.2, note="Pipecat queue hops and frame translation (~0.1 ms), plus the service")

    def __init__(
        self,
        *,
        service: object,
        args: dict[str, Any] | None = None,
        kind: Literal["auto", "stt", "tts", "llm", "realtime", "vad"] = "auto",
        sample_rate: int = 24000,
        input_rate: int = 16000,
        forward_audio: bool = False,
        interrupt_on_speech: bool = False,
        tools: ToolRegistry | Iterable[ToolLike] | None = None,
        start_timeout_s: float = 60.0,
        drain_timeout_s: float = 15.0,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        import_pipecat(self.name)
        self.service: Any = service
        if isinstance(service, str):
            self.service = create_service(service, args or {}, self.name)
        self.kind = service_kind(self.service) if kind == "auto" else kind
        self.interruptible = self.kind not in ("stt", "vad")
        self._tools: ToolRound | None = None
        if tools is not None and self.kind in _CONTEXT_IN:
            self._tools = ToolRound(tools if isinstance(tools, ToolRegistry) else ToolRegistry(tools))
            self.service.register_function(None, self._tools.handler)
        self._interrupt_on_speech = interrupt_on_speech
        self._out_format = AudioFormat(sample_rate, 1, SampleFormat.S16)
        self._in_format = AudioFormat(input_rate, 1, SampleFormat.S16)
        if self.kind in _AUDIO_IN:
            self.accepts = (self._in_format,)
        self._forward_audio = forward_audio
        self._start_timeout, self._drain_timeout = start_timeout_s, drain_timeout_s
        self._host: PipecatHost | None = None
        self._in: FramesIn | None = None
        self._out: FramesOut | None = None
        self._ctx: StartContext | None = None
        self._in_epoch = 0  # the graph's interruption epoch when input last went in
        self._barrier: tuple[int, float] | None = None  # (InterruptionFrame id, sent at)
        self._live: set[str] = set()
        self._banned: set[str] = set()
        self.stale_dropped = 0
        """Frames of an interrupted reply the service produced and the node dropped."""
        self.interruptions = 0
        """Interruptions passed into the service."""

    def output_format(self, input_format: AudioFormat | None) -> AudioFormat | None:
        """TTS and realtime: mono s16 at `sample_rate`; otherwise the input's."""
        return self._out_format if self.kind in ("tts", "realtime") else input_format

    # -- lifecycle -----------------------------------------------------------------------
    async def on_start(self, ctx: StartContext) -> None:
        from voicegraph.processors.pipecat_service.frames_in import FramesIn
        from voicegraph.processors.pipecat_service.frames_out import FramesOut
        from voicegraph.processors.pipecat_service.pipecat_host import PipecatHost

        self._ctx = ctx
        self._in, self._out = FramesIn(), FramesOut(self.name, vad=self.kind == "vad")
        if self._tools is not None:
            self._in.default_tools = self._tools.registry.schemas()
            self._tools.metadata = ctx.metadata
        self._host = PipecatHost(self.service, self._deliver, audio_in_rate=self._in_format.rate,
                                 audio_out_rate=self._out_format.rate, name=self.name)  # fmt: skip
        try:
            await self._host.start(lambda coro, n: ctx.spawn(coro, name=f"{self.name}:{n}"),
                                   timeout_s=self._start_timeout)  # fmt: skip
        except VoiceError as exc:
            raise VoiceError(exc.code, exc.message, node=self.name, retriable=exc.retriable) from exc

    async def on_drain(self, out: Outbox) -> None:
        if self._host is not None and not await self._host.end(timeout_s=self._drain_timeout):
            self._report(VoiceError(ErrorCode.TIMEOUT, f"Pipecat service did not finish within "
                                    f"{self._drain_timeout}s", node=self.name, retriable=True))  # fmt: skip

    async def on_stop(self) -> None:
        if self._host is not None:
            await self._host.cancel(timeout_s=5.0)

    async def on_flush(self) -> None:
        import pipecat.frames.frames as pf

        if self._host is None or self._in is None or self._out is None:
            return
        self._banned |= self._live
        self._live.clear()
        self._out.words.forget()
        self._in.in_reply = False
        marker = pf.InterruptionFrame()
        self._barrier = (marker.id, time.monotonic())
        self.interruptions += 1
        await self._host.push_now(marker)

    # -- frames in -----------------------------------------------------------------------
    @handles(InputAudioFrame)
    async def on_audio(self, frame: InputAudioFrame, out: Outbox) -> None:
        if self.kind not in _AUDIO_IN:
            await out.send(frame)
            return
        await self._push(frame)
        if self._forward_audio and self.kind != "vad":  # a VAD's audio comes back out of Pipecat
            await out.send(frame)

    @handles(UserStartedSpeakingFrame, UserStoppedSpeakingFrame)
    async def on_user_speaking(self, frame: Frame, out: Outbox) -> None:
        if self.kind in ("stt", "realtime"):
            await self._push(frame)
        await out.send(frame)

    @handles(LLMMessagesFrame)
    async def on_messages(self, frame: LLMMessagesFrame, out: Outbox) -> None:
        if self.kind in _CONTEXT_IN:
            await self._push(frame)
        else:
            await out.send(frame)

    @handles(LLMResponseStartFrame, LLMResponseEndFrame, ResponseStartFrame, ResponseEndFrame,
             LLMTextFrame, TextFrame, SentenceFrame)  # fmt: skip
    async def on_reply(self, frame: Frame, out: Outbox) -> None:
        if self.kind in _TEXT_IN:
            await self._push(frame)
        else:
            await out.send(frame)

    async def _push(self, frame: Frame) -> None:
        assert self._host is not None and self._in is not None
        if self._ctx is not None:
            self._in_epoch = self._ctx.epoch
        for pc_frame in self._in.translate(frame):
            await self._host.push(pc_frame)

    # -- frames out ----------------------------------------------------------------------
    def _interrupted_since_input(self) -> bool:
        """An interruption came after the input this output answers: the output belongs to
        the interrupted reply, even before `on_flush` ran (the graph's epoch moves first)."""
        return self.interruptible and self._ctx is not None and self._ctx.epoch != self._in_epoch

    def _user_words(self, frame: Frame) -> bool:
        """A realtime service pushes the user's transcript upstream (to Pipecat's user
        aggregator, before it); in a voicegraph graph the user's words go downstream."""
        return self.kind == "realtime" and isinstance(frame, TranscriptFrame)

    async def _deliver(self, frame: Any, upstream: bool) -> None:
        assert self._out is not None
        if self._barrier is not None and not upstream and getattr(frame, "id", None) == self._barrier[0]:
            self._barrier = None  # the interruption came through: what follows is new
            return
        if self._tools is not None and not upstream and await self._tool_result(frame):
            return
        result = self._out.translate(frame)
        if result.error is not None:
            self._report(result.error)
        if result.metrics:
            self._metrics(result.metrics)
        if not result.frames or (upstream and not self._user_words(result.frames[0])):
            return
        if result.context is not None and result.context in self._banned:
            self.stale_dropped += len(result.frames)
            return
        if self._interrupted_since_input():
            self.stale_dropped += len(result.frames)
            return
        if self._barrier is not None:
            if time.monotonic() - self._barrier[1] < BARRIER_MAX_S:
                self.stale_dropped += len(result.frames)
                return
            self._barrier = None
        if result.context is not None:
            self._live.add(result.context)
        if self._interrupt_on_speech and isinstance(result.frames[0], UserStartedSpeakingFrame):
            await self.outbox.request_interrupt("user_started_speaking")  # before the start, as our VAD
        if self._tools is not None and isinstance(result.frames[0], LLMToolCallFrame):
            self._tools.started(result.frames[0].calls)  # sent with its results, once run
            return
        try:
            for vg_frame in result.frames:
                await self.outbox.send(vg_frame)
        except EndOfStream:  # the graph has ended while the service still spoke: nobody listens
            self.stale_dropped += 1

    async def _tool_result(self, frame: Any) -> bool:
        """A result of a call the node's tools ran: once the round is complete, its frame
        goes out and the LLM runs again on the context with the round in it."""
        import pipecat.frames.frames as pf

        if not isinstance(frame, pf.FunctionCallResultFrame):
            return False
        assert self._tools is not None and self._in is not None and self._host is not None
        done = self._tools.finished(frame.tool_call_id)
        if done is None or self._barrier is not None or self._in.context is None:
            return True  # not the last one, or the reply was interrupted meanwhile
        self._in.context.add_messages(list(done.messages))
        await self.outbox.send(done)
        for action in self._tools.take_actions():
            await self.outbox.send(action)
        if frame.run_llm is not False:
            await self._host.push(pf.LLMContextFrame(context=self._in.context))
        return True

    def _report(self, err: VoiceError) -> None:
        log.warning("%s: %s", self.name, err)
        publish_error(self._ctx, self.name, err)

    def _metrics(self, values: dict[str, float]) -> None:
        publish_metrics(self._ctx, self.name, values)
