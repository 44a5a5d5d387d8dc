"""A fake OpenAI Realtime server on 127.0.0.1 (`websockets`), event by event, for tests.

It follows shared/protocols/openai_realtime.md: `session.created` on connect, then
`session.update` -> `session.updated` (GA shape, or the flat beta shape when the client
sends `OpenAI-Beta: realtime=v1`, with beta event names), `input_audio_buffer.*` with a
simple energy VAD (`server_vad`/`semantic_vad`: speech started/stopped, commit, automatic
response, barge-in cancel), transcription of user turns (scripted text), responses whose
audio is real speech synthesized by eSpeak NG from a scripted reply, streamed in deltas
faster than real time with interleaved transcript deltas, function calls, cancellation
and truncation. It refuses what the real service refuses, with `error` events: wrong
audio formats or rates, unknown or misplaced session fields, oversize events, audio
that is not base64, a commit of less than 100 ms, `response.create` during an active
response, `response.cancel` with none active, a truncate beyond the item's audio or of
a non-assistant item, a tool output for an unknown call; an unknown model fails its
responses (`model_not_found`, as the service does); a wrong API key gets HTTP 401.
Error codes the protocol notes mark unverified are guesses in the same style.

    async with FakeRealtimeServer(RealtimeScript([ScriptedTurn(reply="Hi there.")])) as server:
        node = OpenAIRealtimeS2S(url=server.url, api_key=None, ...)
        ...
        server.events("conversation.item.truncate")   # what the client sent
        await server.drop()                           # cut every connection (no close frame)
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.realtime_connection import FakeConnection
from tests.fakes.realtime_responder import FakeResponse, Pacing
from tests.fakes.realtime_script import RealtimeScript, ScriptedTurn

if TYPE_CHECKING:
    from types import TracebackType

    from websockets.asyncio.server import Server, ServerConnection
    from websockets.http11 import Request, Response

__all__ = ["FakeRealtimeServer", "Pacing", "RealtimeScript", "ReceivedEvent", "ScriptedTurn"]

MAX_EVENT_BYTES = 15 * 1024 * 1024
"""The documented limit per client event."""


@dataclass(frozen=True)
class ReceivedEvent:
    """A client event the fake received (audio replaced by its byte count)."""

    connection: int
    t_ns: int
    event: dict[str, Any]

    @property
    def type(self) -> str:
        """The event type."""
        return str(self.event.get("type", ""))


class FakeRealtimeServer:
    """Serves fake realtime sessions until the context exits.

    Args:
        script: the fake model's turns.
        api_key: required bearer key (None: any or none).
        pacing: first-delta delay, delta size and speaking speed.
        max_event_bytes: client events above this are refused.
    """

    def __init__(
        self,
        script: RealtimeScript | None = None,
        *,
        api_key: str | None = None,
        pacing: Pacing | None = None,
        max_event_bytes: int = MAX_EVENT_BYTES,
    ) -> None:
        self.script = script or RealtimeScript([ScriptedTurn()])
        self.api_key = api_key
        self.pacing = pacing or Pacing()
        self.max_event_bytes = max_event_bytes
        self.received: list[ReceivedEvent] = []
        self.responses: list[FakeResponse] = []
        self.connections: list[FakeConnection] = []
        self.handshakes_refused = 0
        self._server: Server | None = None
        self._port = 0

    @property
    def url(self) -> str:
        """The endpoint, without the model query."""
        return f"ws://127.0.0.1:{self._port}/v1/realtime"

    async def __aenter__(self) -> FakeRealtimeServer:
        from websockets.asyncio.server import serve

        self._server = await serve(
            self._serve, "127.0.0.1", 0, process_request=self._check, compression=None,
            max_size=2 * self.max_event_bytes + 1024 * 1024,
        )  # fmt: skip
        self._port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for conn in self.connections:
            conn.stop()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(2):
                    await self._server.wait_closed()

    # -- inspection -----------------------------------------------------------------------
    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Client events received (of type `kind`), in order."""
        return [r.event for r in self.received if kind is None or r.type == kind]

    def live(self) -> list[FakeConnection]:
        """Connections still open."""
        return [c for c in self.connections if not c.closed]

    async def drop(self) -> None:
        """Cut every open connection at the TCP level (the client sees an abnormal close)."""
        for conn in self.live():
            conn.abort()
        await asyncio.sleep(0)

    async def shut_down(self) -> None:
        """Stop listening and close every connection (going away): reconnects then fail."""
        if self._server is not None:
            self._server.close(close_connections=True)
            await self._server.wait_closed()

    async def inject(self, message: str | bytes) -> None:
        """Send a raw message (e.g. malformed) to every open connection."""
        for conn in self.live():
            await conn.send_raw(message)

    async def wait_for(self, predicate: Any, timeout: float = 5.0) -> None:
        """Wait until `predicate()` is true (polled every 5 ms)."""
        async with asyncio.timeout(timeout):
            for _ in itertools.count():
                if predicate():
                    return
                await asyncio.sleep(0.005)

    # -- serving --------------------------------------------------------------------------
    def _check(self, connection: ServerConnection, request: Request) -> Response | None:
        if urlsplit(request.path).path != "/v1/realtime":
            self.handshakes_refused += 1
            return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")
        if self.api_key is not None and request.headers.get("Authorization") != f"Bearer {self.api_key}":
            self.handshakes_refused += 1
            return connection.respond(HTTPStatus.UNAUTHORIZED, "Incorrect API key provided\n")
        return None

    async def _serve(self, ws: ServerConnection) -> None:
        query = parse_qs(urlsplit(ws.request.path if ws.request else "").query)
        model = query.get("model", ["gpt-realtime"])[0]
        beta = ws.request is not None and ws.request.headers.get("OpenAI-Beta") == "realtime=v1"
        conn = FakeConnection(self, ws, index=len(self.connections), model=model, beta=beta)
        self.connections.append(conn)
        await conn.run()

    def record(self, conn: FakeConnection, event: dict[str, Any]) -> None:
        """Keep a received event (audio as its size)."""
        audio = event.get("audio")
        if event.get("type") == "input_audio_buffer.append" and isinstance(audio, str):
            event = {**event, "audio": len(audio) * 3 // 4 - audio[-2:].count("=")}
        self.received.append(ReceivedEvent(conn.index, time.monotonic_ns(), event))


def compact(event: dict[str, Any]) -> str:
    """Compact JSON."""
    return json.dumps(event, separators=(",", ":"))
