"""Graphs for Daily sessions in tests: a probe (events, app messages) and a real voice agent."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from voicegraph.framework import Graph, Outbox, Processor, StartContext, handles
from voicegraph.framework.bus import InterruptEvent
from voicegraph.framework.frames import LLMMessagesFrame, ReplyPlayedFrame, TranscriptFrame, TurnEndFrame
from voicegraph.processors.agent import ScriptedAgent
from voicegraph.processors.stt import WhisperSTT
from voicegraph.processors.text import SentenceAggregator
from voicegraph.processors.tts import EspeakTTS
from voicegraph.processors.turn import SilenceTurnDetector
from voicegraph.processors.vad import VoiceActivityDetector
from voicegraph.transports.connection import Connection
from voicegraph.transports.daily import AppMessageFrame, DailyConnection, ParticipantEventFrame

LONG_REPLY = (
    "Here is the whole forecast. Tomorrow morning will be cloudy with a light wind from the west. "
    "In the afternoon the clouds clear and it gets warmer. In the evening there may be a short shower."
)


@dataclass
class SessionLog:
    """What one session's graph saw (filled from inside the graph)."""

    key: str = ""
    turns: list[str] = field(default_factory=list)
    events: list[ParticipantEventFrame] = field(default_factory=list)
    messages: list[AppMessageFrame] = field(default_factory=list)
    replies: list[ReplyPlayedFrame] = field(default_factory=list)
    decisions_ns: list[int] = field(default_factory=list)
    """`time.monotonic_ns()` of each barge-in decision."""
    sessions: int = 0


class SessionProbe(Processor):
    """Logs participant events, app messages (answering each with `{"ack": message}`),
    reply reports and interruption decisions."""

    interruptible = False

    def __init__(self, log: SessionLog) -> None:
        super().__init__()
        self.log = log

    async def on_start(self, ctx: StartContext) -> None:
        def on_interrupt(ev: InterruptEvent) -> None:
            self.log.decisions_ns.append(time.monotonic_ns() - ev.flush_ns)

        ctx.bus.subscribe(on_interrupt, InterruptEvent)

    @handles
    async def on_event(self, frame: ParticipantEventFrame, out: Outbox) -> None:
        self.log.events.append(frame)
        await out.send(frame)

    @handles
    async def on_message(self, frame: AppMessageFrame, out: Outbox) -> None:
        await out.send(frame)
        if frame.sender:
            self.log.messages.append(frame)
            await out.send(AppMessageFrame(message={"ack": frame.message}))

    @handles
    async def on_reply(self, frame: ReplyPlayedFrame, out: Outbox) -> None:
        self.log.replies.append(frame)
        await out.send(frame)


class TurnMessages(Processor):
    """Joins a turn's transcripts; at the turn's end asks the agent (LLMMessagesFrame)."""

    interruptible = False

    def __init__(self, log: SessionLog) -> None:
        super().__init__()
        self.log = log
        self._words: list[str] = []

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
            await out.send(LLMMessagesFrame(messages=({"role": "user", "content": text},)))


def _key(conn: Connection) -> str:
    return conn.user_name or "room" if isinstance(conn, DailyConnection) else conn.session_id


def voice_agent(logs: dict[str, SessionLog], rules: Mapping[str, str]) -> Callable[[Connection], Graph]:
    """One real voice agent per session (Silero VAD, Whisper, scripted agent, eSpeak), logging
    into `logs[user name]` ("room" for a per-room session)."""

    def build(conn: Connection) -> Graph:
        log = logs.setdefault(_key(conn), SessionLog(key=_key(conn)))
        log.sessions += 1
        return Graph.chain(
            conn.input(), SessionProbe(log),
            VoiceActivityDetector(engine="silero", interrupt_on_speech=True),
            SilenceTurnDetector(min_delay=0.5),
            WhisperSTT(), TurnMessages(log), ScriptedAgent(rules=rules, default="Sorry, say that again."),
            SentenceAggregator(), EspeakTTS(), conn.output(), name=f"agent-{log.key}",
        )  # fmt: skip

    return build


def probe_only(logs: dict[str, SessionLog]) -> Callable[[Connection], Graph]:
    """input -> SessionProbe -> output (events and app messages, no engines)."""

    def build(conn: Connection) -> Graph:
        log = logs.setdefault(_key(conn), SessionLog(key=_key(conn)))
        log.sessions += 1
        return Graph.chain(conn.input(), SessionProbe(log), conn.output(), name=f"probe-{log.key}")

    return build


async def wait_for(predicate: Callable[[], Any], timeout: float, step: float = 0.02) -> None:
    """Poll `predicate` until true; TimeoutError after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110 - polls stand-in and session state no event signals
            await asyncio.sleep(step)
