"""HttpFaultProxy: a loopback HTTP/1.1 proxy that answers 5xx/429, stalls or cuts requests."""

from __future__ import annotations

import asyncio
import json

from voicegraph.testing.fault_proxy import FaultProxy
from voicegraph.testing.fault_schedule import Fault
from voicegraph.testing.stream_pipe import abort, pipe

_STATUS = {Fault.STATUS_500: 500, Fault.STATUS_503: 503, Fault.STATUS_429: 429}
_REASON = {500: "Internal Server Error", 503: "Service Unavailable", 429: "Too Many Requests"}
_MAX_HEAD = 64 * 1024


class HttpFaultProxy(FaultProxy):
    """A `FaultProxy` that understands HTTP/1.1 requests (one per connection).

    Each request is a `request` operation: `500`, `503` and `429` answer at once with an
    OpenAI-style JSON error body (`429` with `Retry-After: 0`) and never reach the
    server; `stall` / `delay` hold the request before forwarding it; `drop` closes the
    connection without an answer; `truncate` cuts the response after half of its first
    body read. The response body is relayed as `chunk<` operations (mid-stream drops of
    a streamed reply). Both legs are switched to `Connection: close`, so every request
    gets its own connection and its own decision. Connect faults apply as in
    `FaultProxy`.

    Handles: HTTP/1.1 requests with a `Content-Length` body (or none). Emits: the
    server's response, or the injected one. Latency: one asyncio hop per read when no
    fault fires. Stop: open exchanges are aborted.
    """

    async def _relay(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        legs: list[asyncio.StreamWriter],
    ) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            body = await reader.readexactly(_content_length(head))
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
            abort(writer)
            return
        fault = self.schedule.decide("request")
        if fault in _STATUS:
            writer.write(_error_response(_STATUS[fault]))
            await writer.drain()
            return
        if fault is Fault.DROP:
            abort(writer)
            return
        await self.hold(self.schedule.hold_s(fault))
        upstream = await self._open_upstream(legs)
        if upstream is None:
            abort(writer)
            return
        up_reader, up_writer = upstream
        both = (writer, up_writer)
        up_writer.write(_with_connection_close(head) + body)
        try:
            await up_writer.drain()
            response_head = await up_reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            abort(*both)
            return
        writer.write(_with_connection_close(response_head))
        if fault is Fault.TRUNCATE:
            data = await up_reader.read(4096)
            writer.write(data[: len(data) // 2])
            await writer.drain()
            abort(*both)
            return
        await pipe(up_reader, writer, self.schedule, "<", both, self.hold)


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


def _with_connection_close(head: bytes) -> bytes:
    lines = [
        line
        for line in head[:-4].split(b"\r\n")
        if line.partition(b":")[0].strip().lower() not in (b"connection", b"keep-alive")
    ]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n"


def _error_response(status: int) -> bytes:
    kind = "rate_limit_exceeded" if status == 429 else "server_error"
    body = json.dumps({"error": {"message": f"injected {status}", "type": kind, "code": None}}).encode()
    retry = b"Retry-After: 0\r\n" if status == 429 else b""
    return (
        f"HTTP/1.1 {status} {_REASON[status]}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n".encode()
        + retry
        + b"Connection: close\r\n\r\n"
        + body
    )
