"""Raw HTTP/1.1 over 127.0.0.1 for signalling tests: exact bytes in, status and JSON out."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any


@dataclass
class Reply:
    """A parsed HTTP response."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def code(self) -> str:
        """The VoiceError code of a JSON error body."""
        return str(self.json()["error"]["code"])


async def send_raw(port: int, raw: bytes, *, stall: bool = False) -> Reply:
    """Send `raw` and read the response; with `stall`, send all but the last byte and wait."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw[:-1] if stall else raw)
        if not stall:
            writer.write_eof()  # nothing more comes: a partial request must not wait for a timeout
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return Reply(int(lines[0].split(" ")[1]), headers, body)


async def request(
    port: int, method: str, path: str, body: bytes = b"", *, content_type: str | None = "application/json"
) -> Reply:
    """One well-formed request."""
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    if content_type is not None:
        head += f"Content-Type: {content_type}\r\n"
    if body or method == "POST":
        head += f"Content-Length: {len(body)}\r\n"
    return await send_raw(port, (head + "\r\n").encode() + body)
