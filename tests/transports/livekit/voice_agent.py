"""A real voice agent graph for LiveKit sessions: Silero VAD, turn, Whisper, script, eSpeak."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from voicegraph.framework import Graph, Outbox, Processor, StartContext, handles
from voicegraph.framework.bus import InterruptEvent
from voicegraph.framework.frames import (
    LLMMessagesFrame,
    ReplyPlayedFrame,
    TranscriptFrame,
    TurnEndFrame,
)
from voicegraph.processors.agent import ScriptedAgent
from voicegraph.processors.stt import WhisperSTT
from voicegraph.processors.text import SentenceAggregator
from voicegraph.processors.tts import EspeakTTS
from voicegraph.processors.turn import SilenceTurnDetector
from voicegraph.processors.vad import VoiceActivityDetector
from voicegraph.transports.connection import Connection
from voicegraph.transports.livekit import DataMessageFrame, ParticipantConnection, RoomEventFrame

LONG_REPLY = (
    "Here is the whole forecast. Tomorrow morning will be cloudy with a light wind from the west. "
    "In the afternoon the clouds clear and it gets warmer. In the evening there may be a short shower."
)


@dataclass
class SessionLog:
    """What one session's graph saw (filled from inside the graph)."""

    identity: str = ""
    turns: list[str] = field(default_factory=list)
    """The user's words per turn, as the agent heard them (Whisper)."""
    speech_ends_ns: list[int] = field(default_factory=list)
    """When each turn's speech ended, as the agent's VAD placed it (monotonic ns)."""
    decisions_ns: list[int] = field(default_factory=list)
    """`time.monotonic_ns()` of each barge-in decision (VAD start while the bot spoke)."""
    events: list[RoomEventFrame] = field(default_factory=list)
    data: list[DataMessageFrame] = field(default_factory=list)
    replies: list[ReplyPlayedFrame] = field(default_factory=list)
    sessions: int = 0
    """Graphs built for this identity (1 when a session survives a reconnect)."""


class SessionProbe(Processor):
    """After the input: logs room events, data messages (answering each with `ack:`),
    reply reports and interruption decisions (from the bus)."""

    interruptible = False

    def __init__(self, log: SessionLog) -> None:
        super().__init__()
        self.log = log

    async def on_start(self, ctx: StartContext) -> None:
        def on_interrupt(ev: InterruptEvent) -> None:
            self.log.decisions_ns.append(time.monotonic_ns() - ev.flush_ns)

        ctx.bus.subscribe(on_interrupt, InterruptEvent)

    @handles
    async def on_room_event(self, frame: RoomEventFrame, out: Outbox) -> None:
        self.log.events.append(frame)
        await out.send(frame)

    @handles
    async def on_data(self, frame: DataMessageFrame, out: Outbox) -> None:
        await out.send(frame)
        if frame.sender:
            self.log.data.append(frame)
            await out.send(DataMessageFrame(payload=b"ack:" + frame.payload, topic=frame.topic))

    @handles
    async def on_reply(self, frame: ReplyPlayedFrame, out: Outbox) -> None:
        self.log.replies.append(frame)
        await out.send(frame)


class TurnMessages(Processor):
    """Joins a turn's final transcripts; at the turn's end asks the agent (LLMMessagesFrame)."""

    interruptible = False

    def __init__(self, log: SessionLog) -> None:
        super().__init__()
        self.log = log
        self._words: list[str] = []
        self._messages: list[dict[str, Any]] = []

    @handles
    async def on_transcript(self, frame: TranscriptFrame, out: Outbox) -> None:
        self._words.append(frame.text.strip())
        await out.send(frame)

    @handles
    async def on_turn_end(self, frame: TurnEndFrame, out: Outbox) -> None:
        await out.send(frame)
        text = " ".join(w for w in self._words if w)
        self._words.clear()
        if text:
            self.log.turns.append(text)
            self.log.speech_ends_ns.append(frame.speech_end_ns)
            self._messages.append({"role": "user", "content": text})
            await out.send(LLMMessagesFrame(messages=tuple(self._messages)))


def voice_agent(
    logs: dict[str, SessionLog], rules: Mapping[str, str], *, default: str = "Sorry, say that again."
) -> Callable[[Connection], Graph]:
    """A graph factory: one real voice agent per user, logging into `logs[identity]`."""

    def build(conn: Connection) -> Graph:
        identity = conn.identity if isinstance(conn, ParticipantConnection) else conn.session_id
        log = logs.setdefault(identity, SessionLog(identity=identity))
        log.sessions += 1
        return Graph.chain(
            conn.input(),
            SessionProbe(log),
            VoiceActivityDetector(engine="silero", interrupt_on_speech=True),
            SilenceTurnDetector(min_delay=0.5),
            WhisperSTT(),
            TurnMessages(log),
            ScriptedAgent(rules=rules, default=default),
            SentenceAggregator(),
            EspeakTTS(),
            conn.output(),
            name=f"agent-{identity}",
        )

    return build


def probe_only(logs: dict[str, SessionLog]) -> Callable[[Connection], Graph]:
    """A graph factory without engines: input -> SessionProbe -> output (events and data)."""

    def build(conn: Connection) -> Graph:
        identity = conn.identity if isinstance(conn, ParticipantConnection) else conn.session_id
        log = logs.setdefault(identity, SessionLog(identity=identity))
        log.sessions += 1
        return Graph.chain(conn.input(), SessionProbe(log), conn.output(), name=f"probe-{identity}")

    return build
