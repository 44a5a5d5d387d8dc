"""LatencyProbes: link observers and bus listeners that time each agent request of a running voice agent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from voicegraph.backends.turn_tracker import TimedEvent, stage_of
from voicegraph.demo.request_timing import RequestTiming, assemble_requests
from voicegraph.framework.bus import MetricsEvent
from voicegraph.framework.frames import (
    Frame,
    InterruptFrame,
    LLMMessagesFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    MetricsFrame,
    OutputAudioFrame,
    ReplyPlayedFrame,
    SentenceFrame,
    TranscriptFrame,
    TTSAudioFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from voicegraph.framework.node import Link
    from voicegraph.framework.runtime import Runtime


@dataclass(frozen=True, slots=True)
class StageNodes:
    """Which node of the graph plays each part (ids of the stock voice agent spec)."""

    vad: str = "vad"
    turn: str = "turn"
    stt: str = "stt"
    user: str = "user_context"
    agent: str = "agent"
    sentences: str = "sentences"
    tts: str = "tts"


class LatencyProbes:
    """Observes a voice agent's runtime and turns what it sees into `RequestTiming`s.

    Nothing runs inside the processors: observers on the links leaving the VAD, turn
    detector, STT, user aggregator, agent, sentence aggregator and TTS note when the
    frames that mark each stage cross them (graph clock; stage names and the frames that
    mark them are the live tracker's, `backends.turn_tracker.stage_of`); bus metrics give the engines'
    own compute times (STT final pass, TTS first buffer), the agent's `MetricsFrame` its
    time to first token; the runtime's outputs give interruptions and the upstream
    reply reports what was heard. The app adds what only it knows: when the caller's
    speech really ended (`speech_end`) and when bot audio played (`audio_out`).
    Observers cost a type check per frame and append a few events per turn.

    Attach it before `Runtime.start()`.
    """

    def __init__(self, rt: Runtime, nodes: StageNodes | None = None) -> None:
        self.rt = rt
        self.nodes = nodes or StageNodes()
        self.events: list[TimedEvent] = []
        self._armed: dict[str, bool] = {}
        self._reply: list[str] = []
        self._audio_end = 0
        self._vad_stop = self._stage_probe("vad")
        self._probe(self.nodes.vad, self._on_vad)
        self._probe(self.nodes.turn, self._stage_probe("turn_end"))
        self._probe(self.nodes.stt, self._stage_probe("stt"))
        self._probe(self.nodes.user, self._stage_probe("agent_request"))
        self._probe(self.nodes.agent, self._on_agent)
        self._probe(self.nodes.sentences, self._first_after_start("first_sentence", SentenceFrame))
        self._probe(self.nodes.tts, self._first_after_start("tts_first_byte", TTSAudioFrame))
        rt.bus.subscribe(self._on_metrics, MetricsEvent)
        rt.on_output(self._on_output)
        rt.on_upstream(self._on_upstream)

    # -- what the app knows ---------------------------------------------------------------
    def speech_end(self, t_ns: int) -> None:
        """The caller's last speech sample of a line was pushed at `t_ns`."""
        self._note(t_ns, "speech_end")

    def audio_out(self, frame: Frame) -> None:
        """A frame the transport delivered: bot audio starting after a gap marks an answer."""
        if isinstance(frame, OutputAudioFrame):
            if frame.pts > self._audio_end + 1_000_000:
                self._note(frame.pts, "first_audio_out")
            self._audio_end = frame.pts + frame.duration_ns

    def requests(self) -> list[RequestTiming]:
        """The agent requests seen so far, each with its answer."""
        return assemble_requests(self.events)

    # -- observers --------------------------------------------------------------------------
    def _probe(self, node: str, fn: Callable[[Frame], None]) -> None:
        graph = self.rt.graph
        if node not in graph.processors:
            return

        def probe(frame: Frame, _link: Link) -> None:
            fn(frame)

        for dst in graph.downstream(node):
            self.rt.observe(node, dst, probe)

    def _now(self) -> int:
        return self.rt.clock.now_ns()

    def _note(self, t_ns: int, kind: str, text: str = "", value: float = 0.0) -> None:
        self.events.append(TimedEvent(t_ns, kind, text, value))

    def _stage_probe(self, stage: str) -> Callable[[Frame], None]:
        """Notes the frames leaving a node that mark `stage` (`stage_of`), with their detail."""

        def on_frame(frame: Frame) -> None:
            if stage_of(frame) == stage:
                detail = _detail(frame)
                if detail is not None:
                    self._note(self._now(), stage, *detail)

        return on_frame

    def _on_vad(self, frame: Frame) -> None:
        if isinstance(frame, UserStartedSpeakingFrame):
            self._note(self._now(), "vad_start")
        else:
            self._vad_stop(frame)

    def _on_agent(self, frame: Frame) -> None:
        if isinstance(frame, LLMResponseStartFrame):
            self._armed["agent_first_token"] = True
            self._reply = []
        elif isinstance(frame, LLMTextFrame):
            self._reply.append(frame.text)
            if self._armed.pop("agent_first_token", False):
                self._note(self._now(), "agent_first_token")
        elif isinstance(frame, MetricsFrame) and "ttft_ms" in frame.values:
            self._note(self._now(), "llm_ttft", value=frame.values["ttft_ms"])
        elif isinstance(frame, LLMResponseEndFrame):
            self._note(self._now(), "llm_end", "".join(self._reply).strip())

    def _first_after_start(self, kind: str, frame_type: type[Frame]) -> Callable[[Frame], None]:
        def on_frame(frame: Frame) -> None:
            if isinstance(frame, LLMResponseStartFrame):
                self._armed[kind] = True
            elif isinstance(frame, frame_type) and self._armed.pop(kind, False):
                self._note(self._now(), kind)

        return on_frame

    def _on_metrics(self, event: MetricsEvent) -> None:
        if event.node == self.nodes.stt and "stt_final_ms" in event.values:
            self._note(self._now(), "stt_compute", value=event.values["stt_final_ms"])
        elif event.node == self.nodes.tts and "ttfb_ms" in event.values:
            self._note(self._now(), "tts_ttfb", value=event.values["ttfb_ms"])

    def _on_output(self, frame: Frame, _sink: str) -> None:
        if isinstance(frame, InterruptFrame):
            self._note(frame.pts, "interrupt", frame.reason)

    def _on_upstream(self, frame: Frame, _head: str) -> None:
        if isinstance(frame, ReplyPlayedFrame):
            self._note(self._now(), "reply_played", frame.text_played, float(frame.interrupted))


def _detail(frame: Frame) -> tuple[str, float] | None:
    """The text and value a stage event carries; None for a frame not worth an event (an
    empty transcript)."""
    if isinstance(frame, UserStoppedSpeakingFrame):
        return "", float(frame.speech_end_ns)
    if isinstance(frame, TranscriptFrame):
        text = frame.text.strip()
        return (text, 0.0) if text else None
    if isinstance(frame, LLMMessagesFrame):
        users = [m.get("content") for m in frame.messages if m.get("role") == "user"]
        asked = users[-1] if users and isinstance(users[-1], str) else ""
        return asked, 0.0
    return "", 0.0
