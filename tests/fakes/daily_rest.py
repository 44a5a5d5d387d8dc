"""A fake of Daily's REST API (rooms, meeting tokens) on 127.0.0.1, for tests.

Follows shared/protocols/daily.md §1: Bearer auth (a wrong or missing key is 401
`authentication-error`), JSON bodies, error bodies `{"error": <type>, "info": <text>}`.
Endpoints: `POST /rooms` (room object; 400 `invalid-request-error` for a bad name or a
taken one), `GET /rooms` (`{"total_count", "data"}`, `limit` <= 100, cursor
`starting_after`), `GET /rooms/:name` (404 when missing), `DELETE /rooms/:name`
(`{"deleted": true, "name"}`; 404 when missing), `POST /meeting-tokens`
(`{"token": <JWT-shaped string>}`; the properties are kept in `tokens`).

Faults: `fail_next(status, count=1, retry_after=None)` answers the next `count`
requests with `status` (401, 404, 429 with `Retry-After`, 500...) before serving again;
`delay_s` holds every answer back (timeouts).

    async with FakeDailyRest() as daily:
        client = DailyRestClient(daily.api_key, base_url=daily.base_url)
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from tests.fakes.loopback_site import serve_on_loopback

__all__ = ["FakeDailyRequest", "FakeDailyRest"]

_BODY: web.RequestKey[dict[str, Any]] = web.RequestKey("body", dict)
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_ERROR_TYPES = {400: "invalid-request-error", 401: "authentication-error", 403: "forbidden-error",
                404: "not-found", 429: "rate-limit-error"}  # fmt: skip


@dataclass(frozen=True)
class FakeDailyRequest:
    """A request the fake received."""

    method: str
    path: str
    body: Any
    authorized: bool
    at: float = field(default_factory=time.monotonic)
    """`time.monotonic()` on arrival (to check retry delays)."""


def _error(status: int, info: str) -> web.Response:
    kind = _ERROR_TYPES.get(status, "server-error")
    return web.json_response({"error": kind, "info": info}, status=status)


class FakeDailyRest:
    """Serves the rooms and meeting-token endpoints on a free port of 127.0.0.1.

    Attributes:
        rooms: rooms by name (room objects as the API returns them).
        tokens: properties of each token minted, by token.
        requests: every request, in order.
    """

    def __init__(self, api_key: str = "daily-test-key", domain: str = "voicegraph") -> None:
        self.api_key = api_key
        self.domain = domain
        self.rooms: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.requests: list[FakeDailyRequest] = []
        self.delay_s = 0.0
        """Pause before every answer (to make the client time out)."""
        self._faults: list[tuple[int, float | None]] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        """The API root, `http://127.0.0.1:<port>/v1`."""
        return f"http://127.0.0.1:{self.port}/v1"

    def fail_next(self, status: int, count: int = 1, retry_after: float | None = None) -> None:
        """Answer the next `count` requests with `status` (and `Retry-After`, if given)."""
        self._faults.extend([(status, retry_after)] * count)

    async def __aenter__(self) -> Self:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_post("/v1/rooms", self._create_room)
        app.router.add_get("/v1/rooms", self._list_rooms)
        app.router.add_get("/v1/rooms/{name}", self._get_room)
        app.router.add_delete("/v1/rooms/{name}", self._delete_room)
        app.router.add_post("/v1/meeting-tokens", self._create_token)
        self._runner = web.AppRunner(app, access_log=None)
        self.port = await serve_on_loopback(self._runner)
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- plumbing -------------------------------------------------------------------------
    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        authorized = request.headers.get("Authorization", "") == f"Bearer {self.api_key}"
        self.requests.append(FakeDailyRequest(request.method, request.path, body, authorized))
        if self.delay_s > 0:
            await asyncio.sleep(self.delay_s)
        if self._faults:
            status, retry_after = self._faults.pop(0)
            resp = _error(status, f"injected fault {status}")
            if retry_after is not None:
                resp.headers["Retry-After"] = str(retry_after)
            return resp
        if "Authorization" not in request.headers:
            return web.json_response({"error": "authorization-header-error", "info": "missing"}, status=400)
        if not authorized:
            return _error(401, "Invalid API key")
        if raw and body is None:
            return web.json_response({"error": "json-parsing-error", "info": "bad JSON"}, status=400)
        request[_BODY] = body if isinstance(body, dict) else {}
        result: web.StreamResponse = await handler(request)
        return result

    def _room_object(self, name: str, privacy: str, props: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": str(uuid.uuid4()), "name": name, "api_created": True, "privacy": privacy,
            "url": f"https://{self.domain}.daily.co/{name}",
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"), "config": dict(props),
        }  # fmt: skip

    def _live(self, name: str) -> dict[str, Any] | None:
        room = self.rooms.get(name)
        exp = room["config"].get("exp") if room else None
        if room is not None and isinstance(exp, int | float) and exp < time.time():
            del self.rooms[name]
            return None
        return room

    # -- endpoints ------------------------------------------------------------------------
    async def _create_room(self, request: web.Request) -> web.Response:
        body = request[_BODY]
        name = body.get("name") or uuid.uuid4().hex[:20]
        privacy = body.get("privacy", "public")
        if not isinstance(name, str) or not _NAME.match(name) or len(self.domain) + len(name) > 41:
            return _error(400, "name: must be [A-Za-z0-9_-], domain+name <= 41 chars")
        if privacy not in ("public", "private"):
            return _error(400, "privacy: public or private")
        if self._live(name) is not None:
            return _error(400, f"a room named {name} already exists")
        self.rooms[name] = self._room_object(name, privacy, body.get("properties") or {})
        return web.json_response(self.rooms[name])

    async def _list_rooms(self, request: web.Request) -> web.Response:
        limit = max(1, min(int(request.query.get("limit", "100")), 100))
        rooms = [r for n in list(self.rooms) if (r := self._live(n)) is not None]
        after = request.query.get("starting_after")
        if after:
            ids = [r["id"] for r in rooms]
            rooms = rooms[ids.index(after) + 1 :] if after in ids else []
        return web.json_response({"total_count": len(self.rooms), "data": rooms[:limit]})

    async def _get_room(self, request: web.Request) -> web.Response:
        room = self._live(request.match_info["name"])
        if room is None:
            return _error(404, f"room {request.match_info['name']} not found")
        return web.json_response(room)

    async def _delete_room(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if self._live(name) is None:
            return _error(404, f"room {name} not found")
        del self.rooms[name]
        return web.json_response({"deleted": True, "name": name})

    async def _create_token(self, request: web.Request) -> web.Response:
        props = (request[_BODY]).get("properties")
        if not isinstance(props, dict):
            return _error(400, "properties: required object")
        room = props.get("room_name")
        if room is not None and self._live(room) is None:
            return _error(400, f"room_name: no room {room}")
        claims = base64.urlsafe_b64encode(json.dumps(props).encode()).rstrip(b"=").decode()
        token = f"eyJhbGciOiJIUzI1NiJ9.{claims}.{uuid.uuid4().hex}"
        self.tokens[token] = dict(props)
        return web.json_response({"token": token})
