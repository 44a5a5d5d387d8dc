"""DailyRestClient: rooms and meeting tokens through Daily's REST API (httpx)."""

from __future__ import annotations

import asyncio
import re
import time
from typing import TYPE_CHECKING, Any, Self

import httpx

from voicegraph.framework.errors import ErrorCode, VoiceError
from voicegraph.transports.daily.daily_room import DailyRoom
from voicegraph.transports.daily.rest_errors import RETRIABLE_STATUSES, rest_error, retry_after_s

if TYPE_CHECKING:
    from types import TracebackType

DAILY_API_URL = "https://api.daily.co/v1"
_ROOM_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


class DailyRestClient:
    """Creates, reads, lists and deletes Daily rooms and mints meeting tokens.

    Every request carries `Authorization: Bearer <api_key>` and a deadline of
    `timeout_s`. A 429 or 5xx answer, a timeout or a refused connection is retried up
    to `max_retries` times with exponential backoff (`backoff_s`, doubled each time,
    capped at `max_backoff_s`); a 429's `Retry-After` (seconds) is honoured instead
    when given (capped the same way). Other answers fail at once. Errors are coded:
    401 authentication_failed, 403 authorization_failed, 404 not_found, 429
    rate_limit_exceeded, 5xx connection_failed, timeout connection_timeout, other 4xx
    invalid_input. `retries` counts the retries made (for tests and logs).

    Args:
        api_key: the Daily domain's API key.
        base_url: the API root (a local fake in tests).
        timeout_s: deadline of each attempt.
        max_retries: retries after the first attempt.
        backoff_s: first retry delay.
        max_backoff_s: longest retry delay.
        transport: httpx transport (tests; default: the network).

    Raises:
        VoiceError: (invalid_config) empty `api_key`.
    """

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DAILY_API_URL,
        timeout_s: float = 10.0,
        max_retries: int = 3,
        backoff_s: float = 0.5,
        max_backoff_s: float = 8.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not api_key:
            raise VoiceError(ErrorCode.INVALID_CONFIG, "the Daily REST client needs an API key (`api_key`)")
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.retries = 0
        self._timeout_s = timeout_s
        self._http = httpx.AsyncClient(
            base_url=self.base_url, timeout=timeout_s, transport=transport,
            headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
        )  # fmt: skip

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._http.aclose()

    # -- rooms ----------------------------------------------------------------------------
    async def create_room(
        self, name: str | None = None, *, privacy: str = "public", properties: dict[str, Any] | None = None
    ) -> DailyRoom:
        """Create a room (`name` random when None); `properties` e.g. `{"exp": ...}`.

        Raises:
            VoiceError: invalid_input (bad name or privacy, or refused), and the request errors.
        """
        body: dict[str, Any] = {"privacy": _privacy(privacy), "properties": dict(properties or {})}
        if name is not None:
            body["name"] = _room_name(name)
        return DailyRoom.from_json(await self._request("POST", "/rooms", json=body))

    async def get_room(self, name: str) -> DailyRoom:
        """The room `name`.

        Raises:
            VoiceError: not_found (missing or expired), and the request errors.
        """
        return DailyRoom.from_json(await self._request("GET", f"/rooms/{_room_name(name)}"))

    async def list_rooms(
        self, *, limit: int = 100, starting_after: str | None = None, ending_before: str | None = None
    ) -> list[DailyRoom]:
        """One page of rooms (at most `limit`, <= 100), after or before a room id cursor."""
        params: dict[str, str | int] = {"limit": max(1, min(limit, 100))}
        if starting_after:
            params["starting_after"] = starting_after
        if ending_before:
            params["ending_before"] = ending_before
        data = await self._request("GET", "/rooms", params=params)
        return [DailyRoom.from_json(r) for r in data.get("data", []) if isinstance(r, dict)]

    async def delete_room(self, name: str, *, missing_ok: bool = True) -> bool:
        """Delete room `name`; True when deleted, False when it did not exist (`missing_ok`).

        Raises:
            VoiceError: not_found (missing, without `missing_ok`), and the request errors.
        """
        try:
            await self._request("DELETE", f"/rooms/{_room_name(name)}")
        except VoiceError as err:
            if err.code is ErrorCode.NOT_FOUND and missing_ok:
                return False
            raise
        return True

    # -- tokens ---------------------------------------------------------------------------
    async def create_meeting_token(
        self,
        room_name: str | None,
        *,
        expiry_s: float = 3600.0,
        is_owner: bool = False,
        user_name: str | None = None,
        user_id: str | None = None,
        eject_at_token_exp: bool = False,
        properties: dict[str, Any] | None = None,
    ) -> str:
        """A meeting token for `room_name` (None: every room of the domain) valid `expiry_s`.

        `properties` adds other token properties (e.g. `start_video_off`).

        Raises:
            VoiceError: invalid_input (expiry <= 0 or refused), and the request errors.
        """
        if expiry_s <= 0:
            raise VoiceError(ErrorCode.INVALID_INPUT, f"meeting token expiry must be > 0 s, got {expiry_s}")
        props: dict[str, Any] = {
            **(properties or {}),
            "exp": int(time.time() + expiry_s),
            "is_owner": is_owner,
        }
        if room_name is not None:
            props["room_name"] = _room_name(room_name)
        if user_name is not None:
            props["user_name"] = user_name
        if user_id is not None:
            props["user_id"] = user_id
        if eject_at_token_exp:
            props["eject_at_token_exp"] = True
        data = await self._request("POST", "/meeting-tokens", json={"properties": props})
        token = data.get("token")
        if not isinstance(token, str) or not token:
            raise VoiceError(ErrorCode.PROTOCOL_ERROR, "Daily answered a token request without a token")
        return token

    # -- transport ------------------------------------------------------------------------
    async def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        what = f"{method} {path}"
        attempt = 0
        while True:
            try:
                resp = await self._http.request(method, path, **kwargs)
            except httpx.TimeoutException:
                err = VoiceError(
                    ErrorCode.CONNECTION_TIMEOUT,
                    f"{what}: no answer within {self._timeout_s} s",
                    retriable=True,
                )
                delay = self._delay(attempt, None)
            except httpx.TransportError as exc:
                err = VoiceError(
                    ErrorCode.CONNECTION_FAILED,
                    f"{what}: Daily API {self.base_url} unreachable ({type(exc).__name__})",
                    retriable=True,
                )
                delay = self._delay(attempt, None)
            else:
                if resp.status_code < 400:
                    return _json(resp, what)
                err = rest_error(resp.status_code, _body(resp), what)
                if resp.status_code not in RETRIABLE_STATUSES:
                    raise err
                delay = self._delay(attempt, retry_after_s(resp.headers.get("retry-after")))
            if attempt >= self.max_retries:
                raise err
            attempt += 1
            self.retries += 1
            await asyncio.sleep(delay)

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_backoff_s)
        return min(self.backoff_s * 2.0**attempt, self.max_backoff_s)


def _room_name(name: str) -> str:
    if not _ROOM_NAME.match(name):
        raise VoiceError(ErrorCode.INVALID_INPUT, f"Daily room names use [A-Za-z0-9_-] only, got {name!r}")
    return name


def _privacy(value: str) -> str:
    if value not in ("public", "private"):
        raise VoiceError(ErrorCode.INVALID_INPUT, f"room privacy is 'public' or 'private', got {value!r}")
    return value


def _body(resp: httpx.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return None


def _json(resp: httpx.Response, what: str) -> dict[str, Any]:
    data = _body(resp)
    if not isinstance(data, dict):
        raise VoiceError(ErrorCode.PROTOCOL_ERROR, f"{what}: Daily answered with non-object JSON")
    return data
