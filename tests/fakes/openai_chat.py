"""A fake OpenAI-compatible chat completions server on 127.0.0.1, for tests.

It speaks the documented streaming format (shared/protocols/openai_chat_stream.md):
`POST {base}/chat/completions`, `text/event-stream` with one `data: <json>` line and a
blank line per chunk, a first role chunk, content deltas, tool-call deltas (id, type and
name first, then argument fragments, keyed by index), a final chunk with `finish_reason`,
the usage chunk (`choices: []`) when `stream_options.include_usage` is set, then
`data: [DONE]`. Errors are OpenAI error bodies. Behaviour per request is scripted with
`FakeReply`s: slow first token, mid-stream disconnect, mid-stream error events,
malformed chunks, `Retry-After`.

A plain asyncio HTTP/1.1 server (one request per connection, chunked bodies): no
dependency, and full control over the bytes and over cutting a connection.

    async with FakeOpenAIChatServer() as server:
        server.script(FakeReply(status=500), FakeReply(texts=["Hi", "!"]))
        endpoint = Endpoint(base_url=server.base_url, model="fake")
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.loopback_http import LoopbackHttpServer

__all__ = ["FakeOpenAIChatServer", "FakeReply", "FakeRequest", "FakeToolCall"]


@dataclass(frozen=True)
class FakeToolCall:
    """A tool call the fake streams: `name` first, then each argument fragment."""

    name: str
    fragments: tuple[str, ...]
    id: str = ""


@dataclass(frozen=True)
class FakeReply:
    """What the fake answers to one request."""

    texts: tuple[str, ...] = ("Hello", " world", "!")
    tool_calls: tuple[FakeToolCall, ...] = ()
    status: int = 200
    error: dict[str, Any] | None = None
    """Error object: the body of a non-200 reply, or an error event sent after `texts`."""
    retry_after: str | None = None
    first_delay_s: float = 0.0
    """Pause after the response headers and the role chunk, before the first delta."""
    chunk_delay_s: float = 0.0
    """Pause between deltas."""
    disconnect_after: int | None = None
    """Cut the connection (no final chunk, no [DONE]) after this many deltas."""
    drop_before_response: bool = False
    """Close the connection without any response (like a stale keep-alive connection)."""
    raw_events: tuple[str, ...] = ()
    """Data payloads sent verbatim after the role chunk (for malformed-chunk tests)."""
    finish_reason: str | None = None
    """Defaults to `tool_calls` when there are tool calls, else `stop`."""


@dataclass(frozen=True)
class FakeRequest:
    """A request the fake received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class _Stats:
    served: int = 0
    cut_by_client: int = 0
    open_streams: int = 0
    requests: list[FakeRequest] = field(default_factory=list)


class FakeOpenAIChatServer(LoopbackHttpServer):
    """Serves scripted chat completion streams on 127.0.0.1 (a free port).

    Args:
        api_key: when set, requests without `Authorization: Bearer <api_key>` get a 401.
        prefix: the API prefix (`base_url` ends with it).
    """

    def __init__(self, *, api_key: str | None = None, prefix: str = "/v1") -> None:
        super().__init__()
        self.api_key = api_key
        self.prefix = prefix
        self.default = FakeReply()
        self._replies: deque[FakeReply] = deque()
        self._stats = _Stats()

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port><prefix>`."""
        return f"{self.origin}{self.prefix}"

    def script(self, *replies: FakeReply) -> None:
        """Queue replies for the next requests, in order; then `default` answers."""
        self._replies.extend(replies)

    @property
    def requests(self) -> list[FakeRequest]:
        """Every request received, in order."""
        return self._stats.requests

    @property
    def cut_by_client(self) -> int:
        """Streams the client closed before the server finished them."""
        return self._stats.cut_by_client

    @property
    def open_streams(self) -> int:
        """Streams being served right now."""
        return self._stats.open_streams

    # -- HTTP -----------------------------------------------------------------------------
    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await _read_request(reader)
        if request is not None:
            self._stats.requests.append(request)
            await self._answer(request, reader, writer)

    async def _answer(
        self, req: FakeRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if req.method != "POST" or req.path != f"{self.prefix}/chat/completions":
            await _send_json(writer, 404, {"error": _err("not found", "not_found_error")})
            return
        if self.api_key is not None and req.headers.get("authorization") != f"Bearer {self.api_key}":
            denied = _err("Incorrect API key provided", "invalid_request_error", "invalid_api_key")
            await _send_json(writer, 401, {"error": denied})
            return
        body = req.body if isinstance(req.body, dict) else {}
        if not body.get("messages") or body.get("stream") is not True:
            error = _err("messages and stream are required", "invalid_request_error")
            await _send_json(writer, 400, {"error": error})
            return
        reply = self._replies.popleft() if self._replies else self.default
        if reply.drop_before_response:
            writer.transport.abort()
            return
        if reply.status != 200:
            error = reply.error or _err(f"status {reply.status}", "server_error")
            extra = {"Retry-After": reply.retry_after} if reply.retry_after else {}
            await _send_json(writer, reply.status, {"error": error}, extra)
            return
        self._stats.open_streams += 1
        try:
            finished = await _Stream(reply, body, reader, writer).run()
        except ConnectionError:
            finished = False
        finally:
            self._stats.open_streams -= 1
        self._stats.served += 1
        if not finished and reply.disconnect_after is None:
            self._stats.cut_by_client += 1


class _Stream:
    """Writes one scripted SSE response; returns False if the client went away first."""

    def __init__(self, reply: FakeReply, body: dict[str, Any], reader: asyncio.StreamReader, w: Any) -> None:
        self.reply, self.reader, self.writer = reply, reader, w
        self.model = str(body.get("model", "fake"))
        self.usage = bool((body.get("stream_options") or {}).get("include_usage"))

    async def run(self) -> bool:
        r = self.reply
        head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
        self.writer.write((head + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").encode())
        await self._event({"role": "assistant", "content": ""})
        if r.first_delay_s and not await self._pause(r.first_delay_s):
            return False
        for payload in r.raw_events:
            await self._data(payload)
        deltas = [{"content": t} for t in r.texts] + self._tool_deltas()
        for n, delta in enumerate(deltas):
            if r.disconnect_after is not None and n >= r.disconnect_after:
                return await self._cut()
            if n and r.chunk_delay_s and not await self._pause(r.chunk_delay_s):
                return False
            await self._event(delta)
        if r.disconnect_after is not None:
            return await self._cut()
        if r.error is not None:
            await self._data(json.dumps({"error": r.error}))
            return await self._end()
        reason = r.finish_reason or ("tool_calls" if r.tool_calls else "stop")
        await self._event({}, reason)
        if self.usage:
            n = len(deltas)
            usage = {"prompt_tokens": 7, "completion_tokens": n, "total_tokens": 7 + n}
            await self._data(json.dumps(self._chunk([], usage)))
        await self._data("[DONE]")
        return await self._end()

    def _tool_deltas(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for i, call in enumerate(self.reply.tool_calls):
            first = {"name": call.name, "arguments": ""}
            out.append(
                {
                    "tool_calls": [
                        {"index": i, "id": call.id or f"call_{i}", "type": "function", "function": first}
                    ]
                }
            )
            out += [{"tool_calls": [{"index": i, "function": {"arguments": f}}]} for f in call.fragments]
        return out

    def _chunk(self, choices: list[dict[str, Any]], usage: dict[str, int] | None = None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0,
            "model": self.model, "system_fingerprint": "fp_fake", "choices": choices, "usage": usage,
        }  # fmt: skip

    async def _event(self, delta: dict[str, Any], finish: str | None = None) -> None:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        await self._data(json.dumps(self._chunk([choice])))

    async def _data(self, payload: str) -> None:
        data = f"data: {payload}\n\n".encode()
        self.writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        await self.writer.drain()

    async def _pause(self, seconds: float) -> bool:
        """Sleep, but notice a client that hangs up meanwhile (read returns EOF)."""
        try:
            async with asyncio.timeout(seconds):
                await self.reader.read(1)
        except TimeoutError:
            return True
        return False

    async def _cut(self) -> bool:
        self.writer.transport.abort()
        return False

    async def _end(self) -> bool:
        self.writer.write(b"0\r\n\r\n")
        await self.writer.drain()
        return True


def _err(message: str, type_: str, code: str | None = None) -> dict[str, Any]:
    return {"message": message, "type": type_, "param": None, "code": code}


async def _read_request(reader: asyncio.StreamReader) -> FakeRequest | None:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    raw = await reader.readexactly(int(headers.get("content-length", "0")))
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = None
    return FakeRequest(method=method, path=path, headers=headers, body=body)


async def _send_json(
    writer: asyncio.StreamWriter, status: int, body: dict[str, Any], extra: dict[str, str] | None = None
) -> None:
    data = json.dumps(body).encode()
    lines = [f"HTTP/1.1 {status} Error", "Content-Type: application/json", f"Content-Length: {len(data)}"]
    lines += [f"{k}: {v}" for k, v in (extra or {}).items()] + ["Connection: close", "", ""]
    writer.write("\r\n".join(lines).encode() + data)
    await writer.drain()
