"""A WebRTCTransport on its own event-loop thread, for hypothesis to hit over real HTTP.

Hypothesis drives plain (synchronous) test functions, so the server runs in a thread and
each example is one blocking socket exchange on 127.0.0.1. Every well-formed offer is
refused by `admit` (403), so no peer connection is ever made and no ICE candidate is
gathered in this (non-namespaced) process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from tests.transports.nodes import Echo
from voicegraph.framework import ErrorCode, Graph, VoiceError
from voicegraph.transports.connection import Connection
from voicegraph.transports.webrtc import HttpRequest, WebRTCTransport

T = TypeVar("T")
CODES = {str(code) for code in ErrorCode}


def echo_graph(conn: Connection) -> Graph:
    return Graph.chain(conn.input(), Echo(), conn.output())


class RefusingTransport(WebRTCTransport):
    """Refuses every offer that gets past signalling checks; counts admissions and releases."""

    def __init__(self) -> None:
        super().__init__(echo_graph, max_body_bytes=16 * 1024)
        self.http.read_timeout_s = 5.0
        self.admitted = 0
        self.released = 0

    async def admit(self, request: HttpRequest) -> str | None:
        self.admitted += 1
        raise VoiceError(ErrorCode.AUTHORIZATION_FAILED, "this server takes no calls")

    def release(self, session_id: str) -> None:
        self.released += 1


@dataclass
class RawReply:
    """A response as read off the socket: status, lower-cased headers, body."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def code(self) -> str:
        return str(json.loads(self.body)["error"]["code"])


def parse_reply(data: bytes) -> RawReply:
    """Parse a whole response, checking its framing (Content-Length matches the body)."""
    head, sep, body = data.partition(b"\r\n\r\n")
    assert sep, f"response without a header end: {data[:200]!r}"
    lines = head.decode("latin-1").split("\r\n")
    version, status, _ = lines[0].split(" ", 2)
    assert version == "HTTP/1.1"
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    assert int(headers["content-length"]) == len(body)
    return RawReply(int(status), headers, body)


class FuzzServer:
    """Runs a `RefusingTransport` on a loop in a daemon thread; `exchange` talks to it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="fuzz-server", daemon=True)
        self._thread.start()
        self.transport = RefusingTransport()
        self.call(self.transport.start())

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run `coro` on the server's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.call(self.transport.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()

    def exchange(self, raw: bytes) -> RawReply | None:
        """Send `raw`, end the request side, read to the server's close; None: closed silently."""
        with socket.create_connection(("127.0.0.1", self.transport.port), timeout=10) as sock:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                sock.sendall(raw)  # the server may answer (and stop reading) before the end
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_WR)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        data = b"".join(chunks)
        return parse_reply(data) if data else None

    def request(self, method: str, path: str, body: bytes = b"", headers: str = "") -> RawReply:
        """One well-formed request."""
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}"
        if method == "POST":
            head += f"Content-Length: {len(body)}\r\n"
        reply = self.exchange((head + "\r\n").encode() + body)
        assert reply is not None
        return reply

    # -- what must hold after a barrage --------------------------------------------------------
    async def _task_count(self) -> int:
        return len(asyncio.all_tasks())

    def snapshot(self) -> tuple[int, int]:
        """(asyncio tasks on the server loop, open file descriptors of this process)."""
        return self.call(self._task_count()), len(os.listdir("/proc/self/fd"))

    def quiet_snapshot(self, timeout: float = 3.0) -> tuple[int, int]:
        """`snapshot` once the server has closed every connection (a reply comes before that)."""
        end = time.monotonic() + timeout
        while self.transport.http.connections and time.monotonic() < end:
            time.sleep(0.01)
        return self.snapshot()

    def settle(self, baseline: tuple[int, int], timeout: float = 3.0) -> tuple[int, int]:
        """Wait (up to `timeout`) for the counts to come back to `baseline`; the last counts."""
        end = time.monotonic() + timeout
        now = self.snapshot()
        while (now != baseline or self.transport.http.connections) and time.monotonic() < end:
            time.sleep(0.02)
            now = self.snapshot()
        return now


def coded(reply: RawReply | None) -> None:
    """A reply is a clean close, a success of a real route, or a JSON error with a known code."""
    if reply is None or reply.status == 200:
        return
    assert reply.status != 500, reply.body
    assert reply.headers["content-type"] == "application/json"
    assert reply.code in CODES and reply.code != ErrorCode.PIPELINE_ERROR
