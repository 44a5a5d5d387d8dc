"""One fake Cartesia TTS WebSocket (`/tts/websocket`): contexts, continue, flush, cancel.

Follows shared/protocols/cartesia_tts_ws.md. Each `context_id` gets a worker that
speaks every non-empty transcript submission in order (eSpeak, see `cartesia_audio`):
`timestamps` (when `add_timestamps`) then `chunk`s of base64 audio in the requested
raw encoding and rate; `flush: true` ends a flush group with `flush_done`; an input
with `continue: false` ends the context with `done` once its audio is out. `cancel`
stops the context at once with no further message (unless the fault `ignore_cancel`,
which plays the messages a client still finds on the wire after cancelling). A context
left open without input for `context_ttl_s` expires; later input to it, to a finished
or cancelled context, or with changed voice/model/format/language, gets an `error`
(status 400). Malformed requests get `error` with the documented fields.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.fakes.cartesia_audio import TTS_ENCODINGS, TTS_RATES, encode, synthesize

if TYPE_CHECKING:
    from websockets.asyncio.server import ServerConnection

    from tests.fakes.cartesia_server import FakeCartesia

LOCKED = ("model_id", "voice", "output_format", "language")
"""Fields that must stay the same across the inputs of one context."""
CHUNK_S = 0.1


@dataclass
class _Context:
    cid: str
    first: dict[str, Any]
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    state: str = "open"  # open | closing | done | cancelled | expired
    audio_s: float = 0.0
    flush_id: int = 1
    task: asyncio.Task[None] | None = None


class TTSSession:
    """Serves one TTS socket until the client goes away."""

    def __init__(self, ws: ServerConnection, server: FakeCartesia, conn_id: int) -> None:
        self._ws = ws
        self._server = server
        self._conn = conn_id
        self._contexts: dict[str, _Context] = {}
        self._chunks_sent = 0

    async def run(self) -> None:
        try:
            async for raw in self._ws:
                if isinstance(raw, bytes):
                    await self._error(None, "Binary messages are not accepted on the TTS socket")
                    continue
                try:
                    msg = json.loads(raw)
                except ValueError:
                    await self._error(None, "Message is not valid JSON")
                    continue
                self._server.record("tts", self._conn, msg)
                await self._handle(msg)
        finally:
            for ctx in self._contexts.values():
                if ctx.task is not None:
                    ctx.task.cancel()

    async def _handle(self, msg: dict[str, Any]) -> None:
        cid = msg.get("context_id")
        if msg.get("cancel"):
            ctx = self._contexts.get(str(cid))
            if ctx is not None and not self._server.faults.ignore_cancel:
                ctx.state = "cancelled"
                if ctx.task is not None:
                    ctx.task.cancel()
            return
        problem = _check_request(msg)
        if problem:
            await self._error(cid if isinstance(cid, str) else None, problem)
            return
        cid = str(cid)
        ctx = self._contexts.get(cid)
        if ctx is None:
            ctx = self._contexts[cid] = _Context(cid, msg)
            ctx.task = asyncio.create_task(self._work(ctx))
        elif ctx.state != "open":
            await self._error(cid, f"Context {cid} has closed ({ctx.state}); use a new context_id")
            return
        elif any(msg.get(k) != ctx.first.get(k) for k in LOCKED):
            await self._error(cid, "Context has closed: voice, model, output format and language are fixed")
            return
        if not msg.get("continue", False):
            ctx.state = "closing"
        ctx.queue.put_nowait(msg)

    async def _work(self, ctx: _Context) -> None:
        fmt = ctx.first["output_format"]
        while True:
            try:
                async with asyncio.timeout(self._server.context_ttl_s if ctx.state == "open" else None):
                    msg = await ctx.queue.get()
            except TimeoutError:
                ctx.state = "expired"
                return
            text = str(msg.get("transcript", ""))
            if text.strip():
                await self._speak(ctx, text, fmt, bool(msg.get("add_timestamps")))
            if msg.get("flush"):
                await self._send(
                    {
                        "type": "flush_done",
                        "context_id": ctx.cid,
                        "flush_done": True,
                        "flush_id": ctx.flush_id,
                        "done": False,
                        "status_code": 206,
                    }
                )
                ctx.flush_id += 1
            if not msg.get("continue", False) and ctx.queue.empty():
                ctx.state = "done"
                await self._send({"type": "done", "context_id": ctx.cid, "done": True, "status_code": 200})
                return

    async def _speak(self, ctx: _Context, text: str, fmt: dict[str, Any], timestamps: bool) -> None:
        t0 = time.perf_counter()
        speech = await asyncio.to_thread(synthesize, text, int(fmt["sample_rate"]))
        faults = self._server.faults
        if faults.stall_s:
            await asyncio.sleep(faults.stall_s)
        if timestamps and speech.words:
            base = ctx.audio_s
            await self._send(
                {
                    "type": "timestamps",
                    "context_id": ctx.cid,
                    "done": False,
                    "status_code": 206,
                    "flush_id": ctx.flush_id,
                    "word_timestamps": {
                        "words": speech.words,
                        "start": [round(base + s, 3) for s in speech.starts],
                        "end": [round(base + e, 3) for e in speech.ends],
                    },
                }
            )
        step = max(1, int(speech.rate * CHUNK_S))
        for at in range(0, len(speech.pcm), step):
            piece = speech.pcm[at : at + step]
            await self._send(
                {
                    "type": "chunk",
                    "context_id": ctx.cid,
                    "done": False,
                    "status_code": 206,
                    "flush_id": ctx.flush_id,
                    "step_time": round((time.perf_counter() - t0) * 1000, 2),
                    "data": base64.b64encode(encode(piece, str(fmt["encoding"]))).decode(),
                }
            )
            ctx.audio_s += len(piece) / speech.rate
            await self._after_chunk()
            if self._server.pace:
                await asyncio.sleep(len(piece) / speech.rate * self._server.pace)

    async def _after_chunk(self) -> None:
        self._chunks_sent += 1
        faults = self._server.faults
        if faults.drop_after_chunks is not None and self._chunks_sent >= faults.drop_after_chunks:
            faults.drop_after_chunks = None  # one-shot: the next connection works
            self._ws.transport.abort()  # no close frame: a dropped network path
            raise asyncio.CancelledError
        if faults.fail_after_chunks is not None and self._chunks_sent >= faults.fail_after_chunks:
            faults.fail_after_chunks = None
            await self._send(
                {
                    "type": "error",
                    "done": True,
                    "status_code": 500,
                    "title": "Internal Error",
                    "message": "The server had an error while processing the request",
                    "error_code": "internal_error",
                }
            )
            await self._ws.close(1011, "internal error")
            raise asyncio.CancelledError

    async def _send(self, event: dict[str, Any]) -> None:
        self._server.sent(self._conn, event)
        with contextlib.suppress(Exception):
            await self._ws.send(json.dumps(event))

    async def _error(self, cid: str | None, message: str) -> None:
        event: dict[str, Any] = {
            "type": "error",
            "done": True,
            "status_code": 400,
            "title": "Invalid request",
            "message": message,
            "error_code": "invalid_request",
            "request_id": f"req_{self._conn}",
        }
        if cid is not None:
            event["context_id"] = cid
        await self._send(event)


def _check_request(msg: dict[str, Any]) -> str:
    """What is wrong with a generation request ('' when sound)."""
    for key in ("model_id", "transcript", "voice", "output_format", "context_id"):
        if key not in msg:
            return f"Missing required field: {key}"
    if not isinstance(msg["transcript"], str) or not isinstance(msg["context_id"], str):
        return "transcript and context_id must be strings"
    voice = msg["voice"]
    if not (isinstance(voice, str) and voice) and not (isinstance(voice, dict) and voice.get("id")):
        return 'voice must be an id or {"id": ...}'
    fmt = msg["output_format"]
    if not isinstance(fmt, dict) or fmt.get("container") != "raw":
        return "the fake serves output_format.container 'raw' only"
    if fmt.get("encoding") not in TTS_ENCODINGS:
        return f"Invalid encoding {fmt.get('encoding')!r}"
    if fmt.get("sample_rate") not in TTS_RATES:
        return f"Invalid sample_rate {fmt.get('sample_rate')!r}"
    delay = msg.get("max_buffer_delay_ms")
    if delay is not None and not (isinstance(delay, int) and 0 <= delay <= 5000):
        return "max_buffer_delay_ms must be an integer in 0..5000"
    return ""
