"""One fake Cartesia STT WebSocket (`/stt/websocket`, "manual finalize"): Ink over Whisper.

Follows shared/protocols/cartesia_tts_ws.md section 5. Query parameters `model`,
`encoding` and `sample_rate` are required (an `error` then a close otherwise). Binary
frames are audio in that encoding; every `interim_every_s` of new audio the buffer is
transcribed (local Whisper, `WhisperEngine` from the engine registry) and sent as an
interim `transcript` (`is_final: false`, the text since the last final). The text
command `finalize` transcribes what is buffered as a final (`is_final: true`, a delta:
finals after the first start with a space, so concatenating them verbatim reads right)
then answers `flush_done`; `close` (or the older `done`) does the same, then `done`,
then closes the socket. Any other text gets an `error`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import numpy as np

from tests.fakes.cartesia_audio import STT_ENCODINGS, decode

if TYPE_CHECKING:
    from numpy.typing import NDArray
    from websockets.asyncio.server import ServerConnection

    from tests.fakes.cartesia_server import FakeCartesia

STT_MODELS = ("ink-whisper", "ink-whisper-2025-06-04", "ink-2")
_WHISPER_LOCK = threading.Lock()


def transcribe(pcm: NDArray[np.int16]) -> str:
    """Whisper (tiny.en, shared per process) on 16 kHz s16 audio."""
    from voicegraph.processors.stt.whisper_engine import WhisperEngine

    with _WHISPER_LOCK:
        return WhisperEngine(threads=1).transcribe(pcm).text.strip()


class STTSession:
    """Serves one STT socket until `close` or the client goes away."""

    def __init__(self, ws: ServerConnection, server: FakeCartesia, conn_id: int, query: str) -> None:
        self._ws = ws
        self._server = server
        self._conn = conn_id
        self._params = {k: v[-1] for k, v in parse_qs(query).items()}
        self._parts: list[NDArray[np.int16]] = []
        self._new = 0
        self._finals = 0
        self._request_id = f"stt_req_{conn_id}"

    def _problem(self) -> str:
        p = self._params
        if p.get("model") not in STT_MODELS:
            return f"Invalid model {p.get('model')!r}"
        if p.get("encoding") not in STT_ENCODINGS:
            return f"Invalid encoding {p.get('encoding')!r}"
        if not p.get("sample_rate", "").isdigit():
            return "sample_rate is required"
        return ""

    async def run(self) -> None:
        problem = self._problem()
        if problem:
            await self._send(
                {
                    "type": "error",
                    "title": "Invalid request",
                    "message": problem,
                    "status_code": 400,
                    "error_code": "invalid_request",
                }
            )
            await self._ws.close(1008, "invalid request")
            return
        rate = int(self._params["sample_rate"])
        async for raw in self._ws:
            if isinstance(raw, bytes):
                self._server.record("stt", self._conn, {"audio_bytes": len(raw)})
                pcm = decode(raw, self._params["encoding"], rate)
                self._parts.append(pcm)
                self._new += len(pcm)
                every = self._server.interim_every_s
                if every and self._new >= every * 16000:
                    self._new = 0
                    await self._transcript(final=False)
                continue
            self._server.record("stt", self._conn, {"command": raw})
            if raw == "finalize":
                await self._transcript(final=True)
                await self._send({"type": "flush_done", "request_id": self._request_id})
            elif raw in ("close", "done"):
                await self._transcript(final=True)
                await self._send({"type": "done", "request_id": self._request_id})
                await self._ws.close()
                return
            else:
                await self._send(
                    {
                        "type": "error",
                        "title": "Invalid command",
                        "status_code": 400,
                        "message": f"Unknown command {raw[:40]!r}: send 'finalize' or 'close'",
                        "request_id": self._request_id,
                    }
                )

    async def _transcript(self, *, final: bool) -> None:
        pcm = np.concatenate(self._parts) if self._parts else np.zeros(0, np.int16)
        if self._server.faults.stall_s:
            await asyncio.sleep(self._server.faults.stall_s)
        text = await asyncio.to_thread(transcribe, pcm) if len(pcm) else ""
        if final:
            self._parts, self._new = [], 0
        if not text:
            return
        if self._finals:
            text = " " + text
        if final:
            self._finals += 1
        await self._send(
            {
                "type": "transcript",
                "is_final": final,
                "text": text,
                "request_id": self._request_id,
                "duration": round(len(pcm) / 16000, 3),
                "language": "en",
            }
        )

    async def _send(self, event: dict[str, Any]) -> None:
        self._server.sent(self._conn, event)
        with contextlib.suppress(Exception):
            await self._ws.send(json.dumps(event))
