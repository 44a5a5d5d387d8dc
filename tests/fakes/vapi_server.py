"""FakeVapiServer: Vapi's documented REST calls and WebSocket call transport, on loopback.

- `POST /call` (Bearer key) -> 201 with the call (`type: vapi.websocketCall`, status
  `queued`, `transport.websocketCallUrl`, `monitor.controlUrl`); a body without an
  assistant source, or a websocket transport with a phone number, is refused 400.
- `GET /call/{id}`, `GET /call` -> the call(s); `DELETE /call/{id}`.
- `POST /{id}/control` -> Live Call Control (say, add-message, end-call).
- `GET /{id}/transport` -> the call socket (see `FakeCallSession`).
Every request body voicegraph sends is kept in `requests` for the fidelity checks.
"""

from __future__ import annotations

import datetime as dt
import uuid
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from tests.fakes.loopback_site import serve_on_loopback
from tests.fakes.vapi_call_session import FakeCallSession

ORG_ID = "org-fake-0001"


class FakeVapiServer:
    """A local Vapi: REST plus call sockets. Use as `async with FakeVapiServer() as vapi`."""

    def __init__(self, *, api_key: str = "vapi-test-key", pace: float = 1.0, first_message: str = "") -> None:
        self.api_key, self.pace, self.first_message = api_key, pace, first_message
        self.calls: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, FakeCallSession] = {}
        self.requests: list[tuple[str, str, Any]] = []
        """(method, path, JSON body) of every request."""
        self.port = 0
        app = web.Application()
        app.router.add_post("/call", self._create)
        app.router.add_get("/call", self._list)
        app.router.add_get("/call/{id}", self._get)
        app.router.add_delete("/call/{id}", self._delete)
        app.router.add_post("/{id}/control", self._control)
        app.router.add_get("/{id}/transport", self._transport)
        self._runner = web.AppRunner(app)

    async def __aenter__(self) -> Self:
        self.port = await serve_on_loopback(self._runner)
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>` (the SDK's and the node's base_url)."""
        return f"http://127.0.0.1:{self.port}"

    def session(self) -> FakeCallSession:
        """The only (or the latest) call's socket session."""
        return list(self.sessions.values())[-1]

    # -- REST -------------------------------------------------------------------------------
    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization", "") == f"Bearer {self.api_key}"

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(("POST", "/call", body))
        if not self._authorized(request):
            return web.json_response({"message": "Invalid Key", "statusCode": 401}, status=401)
        problem = _create_problem(body)
        if problem:
            return web.json_response(
                {"message": [problem], "error": "Bad Request", "statusCode": 400}, status=400
            )
        call = self._new_call(body)
        transport = body.get("transport") or {}
        audio = transport.get("audioFormat") or {}
        rate = int(audio.get("sampleRate") or (8000 if audio.get("format") == "mulaw" else 16000))
        encoding = str(audio.get("format") or "pcm_s16le")
        self.sessions[call["id"]] = FakeCallSession(
            call, rate, pace=self.pace, first_message=self.first_message, encoding=encoding
        )
        return web.json_response(call, status=201)

    def _new_call(self, body: dict[str, Any]) -> dict[str, Any]:
        call_id, now = str(uuid.uuid4()), dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
        ws = f"ws://127.0.0.1:{self.port}/{call_id}/transport"
        call: dict[str, Any] = {
            "id": call_id, "orgId": ORG_ID, "type": "vapi.websocketCall", "status": "queued",
            "createdAt": now, "updatedAt": now, "cost": 0,
            "transport": {**(body.get("transport") or {}), "websocketCallUrl": ws},
            "monitor": {"listenUrl": ws, "controlUrl": f"http://127.0.0.1:{self.port}/{call_id}/control"},
        }  # fmt: skip
        for key in ("assistantId", "assistant", "assistantOverrides", "name", "customer"):
            if key in body:
                call[key] = body[key]
        self.calls[call_id] = call
        return call

    async def _get(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"message": "Invalid Key", "statusCode": 401}, status=401)
        call = self.calls.get(request.match_info["id"])
        if call is None:
            return web.json_response({"message": "Not Found", "statusCode": 404}, status=404)
        return web.json_response(call)

    async def _list(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"message": "Invalid Key", "statusCode": 401}, status=401)
        return web.json_response(list(self.calls.values()))

    async def _delete(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"message": "Invalid Key", "statusCode": 401}, status=401)
        call = self.calls.pop(request.match_info["id"], None)
        return web.json_response(call or {}, status=200 if call else 404)

    async def _control(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(("POST", request.path, body))
        session = self.sessions.get(request.match_info["id"])
        if session is None:
            return web.json_response({"message": "Not Found", "statusCode": 404}, status=404)
        await session.control(body)
        return web.json_response({"ok": True})

    async def _transport(self, request: web.Request) -> web.StreamResponse:
        session = self.sessions.get(request.match_info["id"])
        if session is None:
            return web.json_response({"message": "Not Found", "statusCode": 404}, status=404)
        ws = web.WebSocketResponse(max_msg_size=2**22)
        await ws.prepare(request)
        await session.run(ws)
        await ws.close()
        return ws


def _create_problem(body: Any) -> str:
    if not isinstance(body, dict):
        return "body must be an object"
    if not any(k in body for k in ("assistantId", "assistant", "squadId", "squad", "workflowId", "workflow")):
        return "one of assistantId, assistant, squadId, squad, workflowId, workflow is required"
    transport = body.get("transport") or {}
    if transport.get("provider") == "vapi.websocket" and ("phoneNumber" in body or "phoneNumberId" in body):
        return "phoneNumber is not allowed with the vapi.websocket transport"
    audio = transport.get("audioFormat") or {}
    if audio and audio.get("format") not in ("pcm_s16le", "mulaw"):
        return "transport.audioFormat.format must be pcm_s16le or mulaw"
    return ""
