"""OfflineConversation: one whole voice conversation with the stock agent, on local engines."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from voicegraph.demo.caller_voice import CallerVoice
from voicegraph.demo.conversation_recorder import ConversationRecorder
from voicegraph.demo.latency_probes import LatencyProbes
from voicegraph.demo.scripted_caller import ScriptedCaller
from voicegraph.framework.formats import PCM16K
from voicegraph.framework.frames import ReplyPlayedFrame
from voicegraph.framework.runtime import Runtime
from voicegraph.graphs.voice_agent import build_voice_agent, spoken_format, voice_agent_spec
from voicegraph.processors.context.user_aggregator import UserAggregator
from voicegraph.processors.engines.engine_warmup import warm_engines
from voicegraph.transports.memory_transport import MemoryTransport

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import numpy as np
    from numpy.typing import NDArray

    from voicegraph.backends.turn_tracker import TimedEvent
    from voicegraph.demo.caller_line import CallerLine
    from voicegraph.demo.request_timing import RequestTiming
    from voicegraph.framework.frames import Frame
    from voicegraph.framework.graph import Graph
    from voicegraph.framework.spec import GraphSpec
    from voicegraph.graphs.voice_agent import VoiceAgentOptions


@dataclass(slots=True)
class ConversationResult:
    """What one conversation produced."""

    turns: list[RequestTiming]
    """One per LLM request, with stage times and the texts of both sides."""
    messages: list[dict[str, Any]]
    """The conversation context at the end (what the LLM would see next), system excluded."""
    recorder: ConversationRecorder
    """Both sides' audio on one timeline."""
    caller: ScriptedCaller
    """The lines as spoken, with their timing, and the bot's speaking events."""
    events: list[TimedEvent]
    """Every observation LatencyProbes made."""
    graph: Graph
    start_ms: float = 0.0
    """Graph start (engines loading) plus warm-up."""
    warmup_ms: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    """Errors the graph's bus reported."""


class OfflineConversation:
    """Runs the stock voice agent against a scripted caller (or a recording), in real time.

    The caller's lines are synthesized (Piper by default) and played into a
    `MemoryTransport` chunk by chunk on the graph clock, as a microphone would; the bot's
    audio is played out by the transport's paced output in the TTS's own format (no
    conversion on the way out). Latency is observed on the graph's links and bus by
    `LatencyProbes`; both sides are recorded by `ConversationRecorder`.

    Args:
        options: engine choices and overrides for the stock spec.
        lines: the caller's script; or `recording`: 16 kHz mono audio to play as is.
        spec: a spec to start from instead of the stock one.
        caller_voice: "piper" or "espeak" for the caller's lines.
        reply_timeout_s: how long the caller waits for a reply that does not come.
        end_timeout_s: how long the graph may take to drain at the end.
        on_progress: called with one line as the run goes (engines ready, each reply as
            played, cut or whole), for a user watching a long run.
    """

    def __init__(
        self,
        options: VoiceAgentOptions | None = None,
        *,
        lines: Sequence[CallerLine] = (),
        recording: NDArray[np.int16] | None = None,
        spec: GraphSpec | None = None,
        caller_voice: str = "piper",
        reply_timeout_s: float = 8.0,
        end_timeout_s: float = 60.0,
        on_progress: Callable[[str], None] | None = None,
    ) -> None:
        self.spec = voice_agent_spec(options, spec)
        self.on_progress = on_progress
        self.lines = list(lines)
        self.recording = recording
        self.voice = CallerVoice(engine=caller_voice)
        self.reply_timeout_s = reply_timeout_s
        self.end_timeout_s = end_timeout_s

    def _reply_played(self, frame: Frame) -> None:
        if isinstance(frame, ReplyPlayedFrame) and frame.text_played and self.on_progress is not None:
            self.on_progress(f"  bot: {frame.text_played}{' [cut]' if frame.interrupted else ''}")

    async def run(self) -> ConversationResult:
        """Build, start and warm the graph, let the caller talk, drain, and collect the results.

        Raises:
            VoiceError: the graph could not be built or started; (timeout) it did not drain.
        """
        transport = MemoryTransport(output_format=spoken_format(self.spec) or PCM16K)
        graph = build_voice_agent(transport, spec=self.spec)
        rt = Runtime(graph, start_timeout=180.0, end_timeout=self.end_timeout_s)
        latency = LatencyProbes(rt)
        recorder = ConversationRecorder()

        def on_output(frame: Frame) -> None:
            recorder.add_output(frame)
            latency.audio_out(frame)

        caller = ScriptedCaller(
            transport, rt.clock, self.lines, recording=self.recording, voice=self.voice,
            reply_timeout_s=self.reply_timeout_s, on_audio=recorder.add_user, on_output=on_output,
            expect_reports=True,
        )  # fmt: skip
        caller.follow_reports(rt)
        if self.on_progress is not None:
            rt.on_upstream(lambda f, _: self._reply_played(f))
        await caller.prepare()
        t0 = time.perf_counter()
        await rt.start()
        try:
            warm = await warm_engines(graph)
            start_ms = (time.perf_counter() - t0) * 1000
            if self.on_progress is not None:
                self.on_progress(f"engines ready in {start_ms / 1000:.1f} s; the caller speaks")
            await self._talk(rt, caller)
        except BaseException:
            await rt.cancel()
            raise
        await rt.end()
        caller.drain()
        for line in caller.spoken:
            if line.end_ns and self.recording is None:
                latency.speech_end(line.end_ns)
        return ConversationResult(
            turns=latency.requests(), messages=_history(graph), recorder=recorder, caller=caller,
            events=list(latency.events), graph=graph, start_ms=start_ms, warmup_ms=warm,
            errors=[str(e.error) for e in rt.bus.errors],
        )  # fmt: skip

    async def _talk(self, rt: Runtime, caller: ScriptedCaller) -> None:
        async with asyncio.TaskGroup() as tg:
            listener = tg.create_task(caller.listen())
            try:
                await caller.run()
                async with asyncio.timeout(self.end_timeout_s):
                    await rt.wait()
            finally:
                listener.cancel()


def _history(graph: Graph) -> list[dict[str, Any]]:
    for proc in graph.processors.values():
        if isinstance(proc, UserAggregator):
            return proc.context.history()
    return []
