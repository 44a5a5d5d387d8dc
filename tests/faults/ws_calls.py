"""Simulated calls over the WebSocket transport (raw PCM protocol), for fault tests and benchmarks.

Server side: `agent_graph` answers each typed line with one spoken sentence (eSpeak), and
`RecordingRunner` runs one graph per connection and keeps each session's bus errors.
Client side: `SimulatedCall` asks turns and recovers the way a well-behaved client does:
it resumes a dropped session with its token, re-sends a turn when the server has sent
nothing for `attempt_s` or that the server refused with a coded error, and gives up on a turn
after `turn_bound_s` (a client-side `timeout`). Every unanswered turn carries a code.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import anyio
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from voicegraph.framework import Graph, Outbox, Processor, Runtime, handles
from voicegraph.framework.frames import EndFrame, Frame, SentenceFrame, TranscriptFrame
from voicegraph.processors.tts.espeak_tts import EspeakTTS
from voicegraph.transports.connection import Connection
from voicegraph.transports.session_end import end_with_connection

WORDS = ("apple", "river", "garden", "yellow", "window", "silver", "market", "forest")


class Answer(Processor):
    """Answers each final typed line with `You said <line>.` (passes the transcript on)."""

    @handles
    async def on_transcript(self, frame: TranscriptFrame, out: Outbox) -> None:
        await out.send(frame)
        if frame.final:
            await out.send(SentenceFrame(text=f"You said {frame.text}."))


def agent_graph(conn: Connection) -> Graph:
    return Graph.chain(conn.input(), Answer(), EspeakTTS(), conn.output())


@dataclass
class RecordingRunner:
    """Runs one `agent_graph` per connection; `records[session_id]` holds its bus error codes."""

    records: dict[str, list[str]] = field(default_factory=dict)

    async def __call__(self, conn: Connection) -> None:
        record = self.records.setdefault(conn.session_id, [])
        rt = Runtime(agent_graph(conn), metadata={"session_id": conn.session_id})

        def on_output(frame: Frame, _: str) -> None:
            if type(frame) is EndFrame:
                conn.finish()

        rt.on_output(on_output)
        try:
            await rt.start()
            await end_with_connection(rt, conn)
        finally:
            record[:] = [str(e.error.code) for e in rt.bus.errors]


@dataclass
class SimulatedCall:
    """One client call: `ask` turns, recovering from drops and refused messages."""

    url: str
    attempt_s: float = 4.0
    """Silence from the server (nothing received) after which a turn is sent again."""
    turn_bound_s: float = 12.0
    session_ids: list[str] = field(default_factory=list)
    turn_times: list[float] = field(default_factory=list)
    answered: int = 0
    failures: list[str] = field(default_factory=list)
    """One code per unanswered turn."""
    server_errors: list[str] = field(default_factory=list)
    """Codes of the coded error messages the server sent."""
    reconnects: int = 0
    resumed: int = 0
    attempts: Counter[str] = field(default_factory=Counter)
    """Outcome of every attempt: answered, coded_error, cut, no_answer, connect_failed."""
    trace: list[tuple[float, str]] = field(default_factory=list)
    """What the last turn saw (seconds since it began, message type or event), for diagnosis."""
    _t0: float = 0.0
    _ws: ClientConnection | None = None
    _token: str = ""

    async def ask(self, word: str) -> bool:
        """One turn: type `word`, wait for the bot's final words holding it; True if answered."""
        t0 = self._t0 = time.perf_counter()
        self.trace.clear()
        with anyio.move_on_after(self.turn_bound_s):
            for n in itertools.count():
                if await self._attempt(word, again=n > 0):
                    self.answered += 1
                    self.turn_times.append(time.perf_counter() - t0)
                    return True
        self.turn_times.append(time.perf_counter() - t0)
        self.failures.append("timeout")
        return False

    async def _attempt(self, word: str, again: bool) -> bool:
        try:
            ws = self._ws or await self._connect()
            if ws is None:
                self.attempts["connect_failed"] += 1
                await anyio.sleep(0.05)
                return False
            self._note("send")
            if again:  # like a caller repeating herself: cut what the bot still says first
                await ws.send(json.dumps({"type": "interrupt"}))
            await ws.send(json.dumps({"type": "text", "text": word}))
            while True:
                with anyio.move_on_after(self.attempt_s):
                    msg = await ws.recv()
                    obj = {"type": "audio"} if isinstance(msg, bytes) else _json(msg)
                    self._note(str(obj.get("type")))
                    if obj.get("type") == "error":
                        self.server_errors.append(str(obj.get("code")))
                        self.attempts["coded_error"] += 1
                        return False
                    if obj.get("type") == "bot_text" and obj.get("final") and word in obj.get("text", ""):
                        self.attempts["answered"] += 1
                        return True
                    continue
                break
            self.attempts["no_answer"] += 1
            return False
        except ConnectionClosed:
            self._note("cut")
            self.attempts["cut"] += 1
            self._ws = None
            return False

    async def recover(self) -> bool:
        """After a cut: notice it (next read), reconnect until started; True if resumed (bounded)."""
        with anyio.move_on_after(self.turn_bound_s):
            ws = self._ws
            if ws is not None:
                try:
                    while True:
                        await ws.recv()
                except ConnectionClosed:
                    self._ws = None
            before = self.resumed
            while await self._connect() is None:  # noqa: ASYNC110 - a refused connect is retried
                await anyio.sleep(0.01)
            return self.resumed > before
        return False

    def _note(self, what: str) -> None:
        self.trace.append((round(time.perf_counter() - self._t0, 3), what))

    async def _connect(self) -> ClientConnection | None:
        """Connect and start (resuming when there is a session); None when it failed.

        A socket that does not end up in use is cut at once, even when the turn's deadline
        cancels the connect: a leaked socket would keep its session attached for good."""
        self.reconnects += bool(self.session_ids)
        ws: ClientConnection | None = None
        try:
            with anyio.fail_after(self.attempt_s):
                ws = await connect(self.url, open_timeout=self.attempt_s)
                start: dict[str, Any] = {"type": "start", "sample_rate": 16000}
                if self._token:
                    start["resume_token"] = self._token
                await ws.send(json.dumps(start))
                reply = _json(await ws.recv())
            return self._started(ws, reply)
        except (OSError, TimeoutError, InvalidHandshake, ConnectionClosed):
            return None
        finally:
            if ws is not None and ws is not self._ws:
                ws.transport.abort()

    def _started(self, ws: ClientConnection, reply: dict[str, Any]) -> ClientConnection | None:
        if reply.get("type") == "error":
            self.server_errors.append(str(reply.get("code")))
            self._token = ""  # the session is gone (e.g. session_not_found): start a new one
        if reply.get("type") != "started":  # refused, or the reply was lost or garbled
            return None
        self.resumed += bool(reply.get("resumed"))
        if not reply.get("resumed"):
            self.session_ids.append(str(reply.get("session_id")))
        self._token = str(reply.get("resume_token", ""))
        self._ws = ws
        return ws

    async def hang_up(self) -> None:
        """End the call: `end`, then close (bounded); the socket is cut if that did not finish."""
        ws, self._ws = self._ws, None
        if ws is None:
            return
        with anyio.move_on_after(2):
            try:
                await ws.send(json.dumps({"type": "end"}))
                await ws.close()
            except ConnectionClosed:
                pass
        ws.transport.abort()


def ms_stats(seconds: list[float]) -> dict[str, float]:
    """n, p50, p95 and max of durations given in seconds, in milliseconds."""
    ms = sorted(s * 1000 for s in seconds)
    if not ms:
        return {"n": 0, "p50_ms": 0.0, "p95_ms": 0.0, "max_ms": 0.0}

    def pick(q: float) -> float:
        return ms[min(len(ms) - 1, round(q * (len(ms) - 1)))]

    return {
        "n": len(ms),
        "p50_ms": round(pick(0.5), 1),
        "p95_ms": round(pick(0.95), 1),
        "max_ms": round(ms[-1], 1),
    }


def _json(msg: str | bytes) -> dict[str, Any]:
    try:
        obj = json.loads(msg)
    except ValueError:
        return {"type": "garbled"}
    return obj if isinstance(obj, dict) else {"type": "garbled"}
