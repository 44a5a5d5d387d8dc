"""A fake Deepgram live STT server on 127.0.0.1 (`websockets`): `/v1/listen` (Nova) and `/v2/listen` (Flux).

It follows shared/protocols/deepgram_stt_ws.md and Deepgram's Flux docs, and hears real
audio with local engines (Silero VAD, Whisper tiny.en; see `SpeechEars`). Handshake
rules: `Authorization: Token <key>` (or `Bearer <key>`) else HTTP 401; raw audio must
be `encoding=linear16&sample_rate=16000` (the fake hears nothing else) else HTTP 400;
`utterance_end_ms` below 1000 or without `interim_results=true` => HTTP 400; Flux
thresholds out of their documented ranges => HTTP 400. Faults (`DeepgramFaults`):
refused (503) or failing (500) handshakes, stalls, sockets cut mid-stream.

    async with FakeDeepgramServer(api_key="k") as server:
        client = AsyncDeepgramClient(api_key="k", environment=server.environment())
        ...
        server.received("Finalize")   # control messages the fake got, in order
"""

from __future__ import annotations

import asyncio
import contextlib
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.deepgram_faults import DeepgramFaults
from tests.fakes.deepgram_flux import FluxSession, valid_flux_query
from tests.fakes.deepgram_nova import NovaSession

if TYPE_CHECKING:
    from types import TracebackType

    from websockets.asyncio.server import Server, ServerConnection
    from websockets.http11 import Request, Response

    from tests.fakes.deepgram_session import FakeSession
    from tests.fakes.deepgram_speech import Transcriber

__all__ = ["DeepgramFaults", "FakeDeepgramServer"]


class FakeDeepgramServer:
    """Serves fake Deepgram live sessions until the context exits.

    Args:
        api_key: the key clients must present (None: any).
        idle_timeout_s: no audio and no message for this long => close 1011 NET-0001.
        transcribe: the STT the fake uses (default Whisper tiny.en).
        interim_every_s: Nova interim results every this much speech.
        flux_full_confidence_s: silence at which the fake Flux is sure the turn ended
            (its end_of_turn_confidence is silence / this, capped at 1).
        faults: what to break (also `server.faults` later).
    """

    def __init__(
        self,
        *,
        api_key: str | None = "test-key",
        idle_timeout_s: float = 10.0,
        transcribe: Transcriber | None = None,
        interim_every_s: float = 0.5,
        flux_full_confidence_s: float = 1.0,
        faults: DeepgramFaults | None = None,
    ) -> None:
        self.api_key = api_key
        self.idle_timeout_s = idle_timeout_s
        self.transcribe = transcribe
        self.interim_every_s = interim_every_s
        self.flux_full_confidence_s = flux_full_confidence_s
        self.faults = faults or DeepgramFaults()
        self.sessions: list[FakeSession] = []
        self.log: list[tuple[str, dict[str, Any]]] = []
        self.handshakes: list[tuple[str, int]] = []
        """(path, HTTP status) of each handshake: 101 accepted."""
        self._server: Server | None = None
        self.port = 0

    @property
    def ws_base(self) -> str:
        """`ws://127.0.0.1:<port>`: the base URL the nodes and the SDK take."""
        return f"ws://127.0.0.1:{self.port}"

    def environment(self) -> Any:
        """A `deepgram.DeepgramClientEnvironment` pointing at this fake."""
        from deepgram.environment import DeepgramClientEnvironment

        http = f"http://127.0.0.1:{self.port}"
        ws = self.ws_base
        return DeepgramClientEnvironment(base=http, production=ws, agent=ws, agent_rest=http)

    async def __aenter__(self) -> FakeDeepgramServer:
        from websockets.asyncio.server import serve

        self._server = await serve(self._serve, "127.0.0.1", 0, process_request=self._check, compression=None)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(3):
                    await self._server.wait_closed()

    # -- inspection -------------------------------------------------------------------
    def received(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Control messages received (of type `kind`), in order."""
        return [m for d, m in self.log if d == "in" and (kind is None or m.get("type") == kind)]

    def sent(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Messages sent (of type `kind`, or TurnInfo event `kind`), in order."""
        return [m for d, m in self.log if d == "out" and kind in (None, m.get("type"), m.get("event"))]

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> None:
        """Wait until `predicate()` is true."""
        async with asyncio.timeout(timeout):
            while not predicate():  # noqa: ASYNC110 - polls state the sessions change
                await asyncio.sleep(0.01)

    # -- serving ----------------------------------------------------------------------
    def _check(self, connection: ServerConnection, request: Request) -> Response | None:
        path = urlsplit(request.path).path
        query = dict(parse_qsl(urlsplit(request.path).query))
        status, body = self._verdict(path, query, request.headers.get("Authorization", ""))
        self.handshakes.append((path, status))
        if status == 101:
            return None
        return connection.respond(HTTPStatus(status), body + "\n")

    def _verdict(self, path: str, query: dict[str, str], auth: str) -> tuple[int, str]:
        if path not in ("/v1/listen", "/v2/listen"):
            return 404, "not found"
        if self.api_key is not None and auth not in (f"Token {self.api_key}", f"Bearer {self.api_key}"):
            return 401, '{"err_code":"INVALID_AUTH","err_msg":"Invalid credentials."}'
        refusal = self.faults.take_refusal()
        if refusal is not None:
            return refusal, "fault injected"
        why = valid_flux_query(query) if path == "/v2/listen" else _nova_problem(query)
        return (400, why) if why else (101, "")

    async def _serve(self, ws: ServerConnection) -> None:
        request = ws.request
        assert request is not None
        path = urlsplit(request.path).path
        query = dict(parse_qsl(urlsplit(request.path).query))
        common: dict[str, Any] = {"faults": self.faults, "idle_timeout_s": self.idle_timeout_s}
        common["log"] = self.log
        session: FakeSession
        if path == "/v2/listen":
            flux = FluxSession(
                ws, query, transcribe=self.transcribe, full_confidence_s=self.flux_full_confidence_s, **common
            )
            self.sessions.append(flux)
            await flux.start()
            session = flux
        else:
            session = NovaSession(ws, query, transcribe=self.transcribe, interim_every_s=self.interim_every_s,
                                  **common)  # fmt: skip
            self.sessions.append(session)
        await session.run()


def _nova_problem(query: dict[str, str]) -> str | None:
    """Why a `/v1/listen` query is refused (HTTP 400), or None."""
    if query.get("encoding") != "linear16" or query.get("sample_rate") != "16000":
        return "the fake takes raw linear16 at 16000 Hz only (encoding and sample_rate)"
    endpointing = query.get("endpointing", "10")
    if endpointing != "false" and not endpointing.isdigit():
        return "endpointing must be a number of ms or false"
    if "utterance_end_ms" in query:
        value = query["utterance_end_ms"]
        if not value.isdigit() or int(value) < 1000:
            return "utterance_end_ms must be at least 1000"
        if query.get("interim_results") != "true":
            return "utterance_end_ms needs interim_results=true"
    return None
