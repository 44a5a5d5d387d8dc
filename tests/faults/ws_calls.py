"""Simulated calls over the WebSocket transport (raw PCM protocol), for fault tests and benchmarks.

Server side: `agent_graph` answers each typed line with one spoken sentence (eSpeak), and
`RecordingRunner` runs one graph per connection and keeps each session's bus errors.
Client side: `SimulatedCall` asks turns and recovers the way a well-behaved client does:
it resumes a dropped session with its token, re-sends a turn whose answer does not come
within `attempt_s` or that the server refused with a coded error, and gives up on a turn
after `turn_bound_s` (a client-side `timeout`). Every unanswered turn carries a code.
"""

from __future__ import annotations

import json
import time
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
    attempt_s: float = 2.5
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
    _ws: ClientConnection | None = None
    _token: str = ""

    async def ask(self, word: str) -> bool:
        """One turn: type `word`, wait for the bot's final words holding it; True if answered."""
        t0 = time.perf_counter()
        with anyio.move_on_after(self.turn_bound_s):
            while True:
                if await self._attempt(word):
                    self.answered += 1
                    self.turn_times.append(time.perf_counter() - t0)
                    return True
        self.turn_times.append(time.perf_counter() - t0)
        self.failures.append("timeout")
        return False

    async def _attempt(self, word: str) -> bool:
        try:
            ws = self._ws or await self._connect()
            if ws is None:
                await anyio.sleep(0.05)
                return False
            await ws.send(json.dumps({"type": "text", "text": word}))
            with anyio.move_on_after(self.attempt_s):
                async for msg in ws:
                    if isinstance(msg, bytes):
                        continue
                    obj = _json(msg)
                    if obj.get("type") == "error":
                        self.server_errors.append(str(obj.get("code")))
                        return False
                    if obj.get("type") == "bot_text" and obj.get("final") and word in obj.get("text", ""):
                        return True
            return False
        except ConnectionClosed:
            self._ws = None
            return False

    async def _connect(self) -> ClientConnection | None:
        """Connect and start (resuming when there is a session); None when it failed."""
        self.reconnects += bool(self.session_ids)
        try:
            with anyio.fail_after(self.attempt_s):
                ws = await connect(self.url, open_timeout=self.attempt_s)
                start: dict[str, Any] = {"type": "start", "sample_rate": 16000}
                if self._token:
                    start["resume_token"] = self._token
                await ws.send(json.dumps(start))
                reply = _json(await ws.recv())
        except (OSError, TimeoutError, InvalidHandshake, ConnectionClosed):
            return None
        if reply.get("type") != "started":
            self.server_errors.append(str(reply.get("code")))
            self._token = ""  # the session is gone (e.g. session_not_found): start a new one
            await ws.close()
            return None
        self.resumed += bool(reply.get("resumed"))
        if not reply.get("resumed"):
            self.session_ids.append(str(reply.get("session_id")))
        self._token = str(reply.get("resume_token", ""))
        self._ws = ws
        return ws

    async def hang_up(self) -> None:
        """End the call cleanly (bounded)."""
        if self._ws is not None:
            with anyio.move_on_after(2):
                try:
                    await self._ws.send(json.dumps({"type": "end"}))
                    await self._ws.close()
                except ConnectionClosed:
                    pass
            self._ws = None


def _json(msg: str | bytes) -> dict[str, Any]:
    try:
        obj = json.loads(msg)
    except ValueError:
        return {"type": "garbled"}
    return obj if isinstance(obj, dict) else {"type": "garbled"}
