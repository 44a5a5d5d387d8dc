"""The fake Cartesia's REST side: `POST /tts/bytes` (what the SDK's `tts.generate` calls).

Same auth and version rules as the sockets (bearer or `X-API-Key`, `Cartesia-Version`
required): 401 / 400 with a JSON `message` otherwise. The body is a generation request
without `context_id`; the answer is the whole audio in the requested `output_format`
(`raw`, or `wav` with a RIFF header), speech from eSpeak as on the socket. Keep-alive
connections serve requests one after another.
"""

from __future__ import annotations

import asyncio
import io
import json
import wave
from typing import TYPE_CHECKING, Any

from tests.fakes.cartesia_audio import TTS_ENCODINGS, TTS_RATES, encode, synthesize
from tests.fakes.loopback_http import LoopbackHttpServer

if TYPE_CHECKING:
    from tests.fakes.cartesia_server import FakeCartesia

_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed"}


class CartesiaRest(LoopbackHttpServer):
    """Serves `/tts/bytes` for `fake` (its key, log and faults)."""

    def __init__(self, fake: FakeCartesia) -> None:
        super().__init__()
        self._fake = fake

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {
                k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            status, ctype, payload = await self._answer(method, path, headers, body)
            writer.write(
                f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\nContent-Type: {ctype}\r\n"
                f"Content-Length: {len(payload)}\r\n\r\n".encode()
                + payload
            )
            await writer.drain()

    async def _answer(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, str, bytes]:
        def error(status: int, message: str) -> tuple[int, str, bytes]:
            return status, "application/json", json.dumps({"message": message}).encode()

        if self._fake.faults.refuse_status is not None:
            return error(self._fake.faults.refuse_status, "refused by fault")
        if path.split("?")[0] != "/tts/bytes":
            return error(404, "not found")
        if method != "POST":
            return error(405, "use POST")
        auth = headers.get("authorization", "")
        key = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else headers.get("x-api-key")
        if key != self._fake.api_key:
            return error(401, "Invalid API key")
        if not headers.get("cartesia-version"):
            return error(400, "Cartesia-Version is required")
        try:
            req: dict[str, Any] = json.loads(body)
        except ValueError:
            return error(400, "body is not JSON")
        self._fake.record("rest", 0, req)
        fmt = req.get("output_format") or {}
        if not isinstance(req.get("transcript"), str) or not req.get("model_id") or not req.get("voice"):
            return error(400, "model_id, transcript and voice are required")
        if fmt.get("container") not in ("raw", "wav") or fmt.get("encoding") not in TTS_ENCODINGS:
            return error(400, f"unsupported output_format {fmt!r}")
        if fmt.get("sample_rate") not in TTS_RATES:
            return error(400, f"Invalid sample_rate {fmt.get('sample_rate')!r}")
        speech = await asyncio.to_thread(synthesize, req["transcript"], int(fmt["sample_rate"]))
        data = encode(speech.pcm, str(fmt["encoding"]))
        if fmt["container"] == "wav" and fmt["encoding"] == "pcm_s16le":
            buf = io.BytesIO()
            with wave.open(buf, "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(speech.rate)
                w.writeframes(data)
            data = buf.getvalue()
        return 200, "audio/wav" if fmt["container"] == "wav" else "application/octet-stream", data
