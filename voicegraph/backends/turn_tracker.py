"""Turn stages: the one vocabulary (`STAGES`), the frame that marks each (`stage_of`), a timed
observation (`TimedEvent`), and `TurnTracker`, which finds a live session's turns in its frames.

The demo's per-request timing (`demo/request_timing.py`) is built on the same three: its
observers name stages with `stage_of`, record `TimedEvent`s, and report `STAGES`."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from voicegraph.framework.frames.audio import TTSAudioFrame
from voicegraph.framework.frames.control import EndFrame, TurnEndFrame
from voicegraph.framework.frames.llm import LLMMessagesFrame, LLMResponseEndFrame, LLMTextFrame
from voicegraph.framework.frames.system import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    InterruptFrame,
    ReplyPlayedFrame,
    UserStoppedSpeakingFrame,
)
from voicegraph.framework.frames.text import TranscriptFrame

if TYPE_CHECKING:
    from collections.abc import Callable

    from voicegraph.framework.frames.base import Frame

STAGES = ("vad", "turn_end", "stt", "agent_request", "agent_first_token", "tts_first_byte", "first_audio_out")
"""Stages of a turn, in the order they normally happen: the one stage vocabulary (the live
tracker's turns, the OTEL histogram's `stage` label, the serve log, and the demo's
`RequestTiming.stages()`)."""

_START: dict[type[Frame], str] = {
    UserStoppedSpeakingFrame: "vad",
    TurnEndFrame: "turn_end",
    TranscriptFrame: "stt",
    LLMMessagesFrame: "agent_request",
}
STAGE_OF: dict[type[Frame], str] = {
    **_START,
    LLMTextFrame: "agent_first_token",
    TTSAudioFrame: "tts_first_byte",
    BotStartedSpeakingFrame: "first_audio_out",
}
"""The frame type whose first sighting in a turn marks each stage (exact types)."""
WATCHED: frozenset[type[Frame]] = frozenset(
    {*STAGE_OF, LLMResponseEndFrame, BotStoppedSpeakingFrame, ReplyPlayedFrame, InterruptFrame, EndFrame}
)
"""Frame types the tracker reacts to (an observer may skip every other frame cheaply)."""


def stage_of(frame: Frame) -> str | None:
    """The stage of `STAGES` that `frame` marks, if any: a VAD stop, a turn end, a final
    transcript (an interim one marks nothing), an agent request, the agent's text, TTS
    audio, the bot starting to speak. Costs one dict lookup."""
    stage = STAGE_OF.get(type(frame))
    if stage == "stt" and not getattr(frame, "final", True):
        return None
    return stage


@dataclass(frozen=True, slots=True)
class TimedEvent:
    """One observation: what happened, when (graph clock ns), with its text or value."""

    t_ns: int
    kind: str
    """A stage of `STAGES` when the event marks one (e.g. "stt", "first_audio_out"), else what
    was seen: "speech_end", "vad_start", "stt_compute", "llm_ttft", "first_sentence",
    "tts_ttfb", "llm_end", "interrupt", "reply_played"."""
    text: str = ""
    value: float = 0.0


@dataclass(slots=True)
class Turn:
    """One user turn and the bot's answer: when it started, its stages, how it ended."""

    index: int
    start_ns: int
    stages: dict[str, int] = field(default_factory=dict)
    end_ns: int = 0
    outcome: str = ""
    """"answered", "interrupted" or "ended" (the session ended first)."""

    def latency_ms(self, stage: str) -> float | None:
        """Milliseconds from the turn's start to `stage`, if it was reached."""
        t = self.stages.get(stage)
        return None if t is None else (t - self.start_ns) / 1e6


class TurnTracker:
    """Turns from frames: a turn starts when the user's input is complete (VAD stop, turn
    end, final transcript or an agent request) and ends when the reply has played (bot
    stopped speaking, reply report), when the agent finished and no audio is expected,
    on an interruption, or at end of stream.

    I/O-free and synchronous: `observe(frame, now_ns)` costs a set lookup for frames it
    does not watch. `on_start(turn)` and `on_end(turn)` are called synchronously.

    Args:
        expect_audio: the reply is spoken (a TTS or S2S node is in the graph), so the
            agent's end alone does not end the turn.
    """

    def __init__(
        self,
        *,
        expect_audio: bool = True,
        on_start: Callable[[Turn], None] | None = None,
        on_end: Callable[[Turn], None] | None = None,
    ) -> None:
        self.expect_audio = expect_audio
        self.active: Turn | None = None
        self.completed = 0
        self.last_stage = ""
        self._on_start, self._on_end = on_start, on_end
        self._seen: deque[int] = deque(maxlen=64)

    def observe(self, frame: Frame, now_ns: int) -> None:
        """Feed one frame seen anywhere in the graph (the same frame may come several times)."""
        kind = type(frame)
        if kind not in WATCHED:
            return
        stage = stage_of(frame)
        if stage is None and kind is TranscriptFrame:  # an interim transcript
            return
        turn = self.active
        if turn is None:
            if kind in _START and frame.id not in self._seen:
                self._begin(now_ns)
                turn = self.active
            else:
                return
        assert turn is not None
        if kind in _START:
            self._seen.append(frame.id)
        if stage is not None and stage not in turn.stages:
            turn.stages[stage] = now_ns
            self.last_stage = stage
            return
        self._maybe_end(turn, kind, now_ns)

    def _maybe_end(self, turn: Turn, kind: type[Frame], now_ns: int) -> None:
        if kind is InterruptFrame:
            self.end(now_ns, "interrupted")
        elif kind is EndFrame:
            self.end(now_ns, "ended")
        elif kind in (BotStoppedSpeakingFrame, ReplyPlayedFrame):
            if "first_audio_out" in turn.stages or not self.expect_audio:
                self.end(now_ns, "answered")
        elif kind is LLMResponseEndFrame and not self.expect_audio:
            self.end(now_ns, "answered")

    def _begin(self, now_ns: int) -> None:
        self.active = Turn(index=self.completed + 1, start_ns=now_ns)
        if self._on_start is not None:
            self._on_start(self.active)

    def end(self, now_ns: int, outcome: str) -> None:
        """End the active turn (if any) with `outcome`."""
        turn = self.active
        if turn is None:
            return
        self.active = None
        turn.end_ns, turn.outcome = now_ns, outcome
        self.completed += 1
        if self._on_end is not None:
            self._on_end(turn)

    @property
    def in_flight(self) -> bool:
        """Whether a turn has started and not yet ended."""
        return self.active is not None

    def position(self) -> dict[str, object]:
        """Where the conversation is: turns done, whether one is in flight, the last stage."""
        return {"turns": self.completed, "in_flight": self.in_flight, "last_stage": self.last_stage}
