"""A fake Cartesia API on 127.0.0.1: the TTS (Sonic) and STT (Ink, both modes) WebSockets, for tests.

REST: `POST /tts/bytes` on a second port (`http_url`, see `cartesia_rest`).
Handshake rules follow shared/protocols/cartesia_tts_ws.md section 1: the key comes as
`Authorization: Bearer K` (the SDK), `X-API-Key: K` (Pipecat) or `?api_key=K`; the API
version as `Cartesia-Version` or `?cartesia_version=` (required). A wrong or missing key
gets HTTP 401, a missing version 400, an unknown path 404. Sessions:
`cartesia_tts_session.TTSSession`, `cartesia_stt_session.STTSession` (`/stt/websocket`)
and `cartesia_turns_session.TurnsSession` (`/stt/turns/websocket`). Audio is real
speech (eSpeak) and transcripts are real (Whisper); nothing is scripted.

Faults (`CartesiaFaults`, changeable while running): `refuse_status` answers every
handshake with that HTTP status (401, 429, 500, 503); `stall_s` holds each piece of
audio or transcript back; `drop_after_chunks` cuts the TCP connection (no close frame)
after that many chunks on a socket, once; `fail_after_chunks` sends a 500 `error` and
closes with 1011, once; `ignore_cancel` keeps streaming a cancelled context (what a
client still reads from the wire after it cancelled).

    async with FakeCartesia() as fake:
        client = AsyncCartesia(api_key=fake.api_key, base_url=fake.http_url,
                               websocket_base_url=fake.ws_url)
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.cartesia_rest import CartesiaRest
from tests.fakes.cartesia_stt_session import STTSession
from tests.fakes.cartesia_tts_session import TTSSession
from tests.fakes.cartesia_turns_session import TurnsSession

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from websockets.asyncio.server import Server, ServerConnection
    from websockets.http11 import Request, Response

API_KEY = "sk_car_fake_test_key"


@dataclass
class CartesiaFaults:
    """Failures to inject (see the module docstring)."""

    refuse_status: int | None = None
    stall_s: float = 0.0
    drop_after_chunks: int | None = None
    fail_after_chunks: int | None = None
    ignore_cancel: bool = False


@dataclass(frozen=True)
class Logged:
    """A message the fake received (`sent=False`) or sent, with its perf_counter time."""

    t: float
    conn: int
    kind: str
    event: dict[str, Any]
    sent: bool


class FakeCartesia:
    """Serves fake Cartesia sockets until the context exits.

    Args:
        api_key: the key clients must present.
        pace: chunks are spaced by `pace` x their duration (0: as fast as synthesized;
            the real service runs well ahead of real time).
        context_ttl_s: an open context with no input for this long expires.
        interim_every_s: STT interim results every this much new audio (0: none).
        turn_full_s: on the turns socket, silence at which the turn surely ended (the
            fake's probability that the user goes on is 1 - silence / this).
    """

    def __init__(
        self,
        *,
        api_key: str = API_KEY,
        pace: float = 0.0,
        context_ttl_s: float = 5.0,
        interim_every_s: float = 1.0,
        turn_full_s: float = 1.0,
    ) -> None:
        self.api_key = api_key
        self.pace = pace
        self.context_ttl_s = context_ttl_s
        self.interim_every_s = interim_every_s
        self.turn_full_s = turn_full_s
        self.turns: list[TurnsSession] = []
        """The turns sockets served, in order."""
        self.faults = CartesiaFaults()
        self.log: list[Logged] = []
        self.handshakes: list[dict[str, str]] = []
        """Per accepted or refused handshake: path, auth style, version."""
        self._server: Server | None = None
        self._port = 0
        self._ids = itertools.count(1)
        self._open: set[ServerConnection] = set()
        self._rest = CartesiaRest(self)

    @property
    def ws_url(self) -> str:
        """`ws://127.0.0.1:PORT` (the SDK's `websocket_base_url`, the nodes' `base_url`)."""
        return f"ws://127.0.0.1:{self._port}"

    @property
    def http_url(self) -> str:
        """`http://127.0.0.1:PORT2`: the REST side (`/tts/bytes`; the SDK's `base_url`)."""
        return self._rest.origin

    async def __aenter__(self) -> FakeCartesia:
        from websockets.asyncio.server import serve

        self._server = await serve(
            self._serve, "127.0.0.1", 0, process_request=self._check, compression=None, max_size=2**22
        )
        self._port = self._server.sockets[0].getsockname()[1]
        await self._rest.__aenter__()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._rest.__aexit__(et, e, tb)
        if self._server is not None:
            self._server.close(close_connections=True)
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until `predicate()` is true (state the sessions or a node change)."""
        async with asyncio.timeout(timeout):
            while not predicate():  # noqa: ASYNC110 - polls state changed elsewhere
                await asyncio.sleep(0.01)

    def drop(self) -> None:
        """Cut every open connection at the TCP level (no close frame)."""
        for ws in list(self._open):
            ws.transport.abort()

    def record(self, kind: str, conn: int, event: dict[str, Any]) -> None:
        self.log.append(Logged(time.perf_counter(), conn, kind, event, sent=False))

    def sent(self, conn: int, event: dict[str, Any]) -> None:
        self.log.append(Logged(time.perf_counter(), conn, "out", event, sent=True))

    def received(self, kind: str = "tts") -> list[dict[str, Any]]:
        """What clients sent on `kind` sockets, in order."""
        return [m.event for m in self.log if not m.sent and m.kind == kind]

    def sent_events(self, type_: str | None = None) -> list[Logged]:
        """What the fake sent (of one `type`), with times."""
        return [m for m in self.log if m.sent and (type_ is None or m.event.get("type") == type_)]

    def _check(self, connection: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        auth = request.headers.get("Authorization", "")
        key = (
            auth.removeprefix("Bearer ") if auth.startswith("Bearer ")
            else request.headers.get("X-API-Key") or query.get("api_key")
        )  # fmt: skip
        version = query.get("cartesia_version") or request.headers.get("Cartesia-Version")
        style = "bearer" if auth else "x-api-key" if request.headers.get("X-API-Key") else "query"
        self.handshakes.append({"path": url.path, "auth": style, "version": version or ""})
        if self.faults.refuse_status is not None:
            return connection.respond(HTTPStatus(self.faults.refuse_status), "refused by fault\n")
        if url.path not in ("/tts/websocket", "/stt/websocket", "/stt/turns/websocket"):
            return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")
        if key != self.api_key:
            return connection.respond(HTTPStatus.UNAUTHORIZED, '{"message":"Invalid API key"}\n')
        if not version:
            return connection.respond(HTTPStatus.BAD_REQUEST, '{"message":"Cartesia-Version is required"}\n')
        return None

    async def _serve(self, ws: ServerConnection) -> None:
        conn_id = next(self._ids)
        url = urlsplit(ws.request.path if ws.request else "")
        self._open.add(ws)
        try:
            if url.path == "/tts/websocket":
                await TTSSession(ws, self, conn_id).run()
            elif url.path == "/stt/turns/websocket":
                self.turns.append(TurnsSession(ws, self, conn_id, url.query))
                await self.turns[-1].run()
            else:
                await STTSession(ws, self, conn_id, url.query).run()
        except Exception:  # a dropped client ends its session, not the server
            pass
        finally:
            self._open.discard(ws)
