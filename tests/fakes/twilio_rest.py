"""A fake of Twilio's REST "update call" endpoint on 127.0.0.1, for tests.

`POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json`, HTTP Basic auth
(AccountSid : AuthToken), form body (shared/protocols/twilio_media_streams.md §4):
`Status=completed` hangs the call up, `Twiml=<Response>...` (or `Url=...`) gives it new
instructions. Answers are JSON, as Twilio's are: the call resource on success, else an
error body `{"code", "message", "more_info", "status"}`:

- 401 code 20003 `Authenticate`: missing or wrong Basic auth (checked first, any path);
- 403 code 20003: the path's account is not the authenticated one;
- 404 code 20404: any other path or method, or an unknown call SID;
- 400 code 21220 (`Call is not in-progress`): a call that has ended (in `ended_calls`:
  Twilio keeps completed calls as resources but refuses to update them);
- 400 code 21200 (`Calls Resource`): neither `Status`, `Url` nor `Twiml`, or a `Status`
  other than `completed`/`canceled`;
- 400 code 12100 `Document parse failure`: `Twiml` that is not well-formed XML with a
  `<Response>` root.

A plain asyncio HTTP/1.1 server (Content-Length bodies, one request per connection,
`Connection: close`): no dependency.

    async with FakeTwilioRest() as twilio:
        twilio.live_calls.add("CA" + "0" * 32)
        control = TwilioCallControl(twilio.account_sid, twilio.auth_token, base_url=twilio.base_url)
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes.loopback_http import LoopbackHttpServer

__all__ = ["DEFAULT_ACCOUNT_SID", "FakeTwilioRequest", "FakeTwilioRest"]

DEFAULT_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
_CALL_PATH = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Calls/([^/]+)\.json$")
_MORE_INFO = "https://www.twilio.com/docs/errors/"


@dataclass(frozen=True)
class FakeTwilioRequest:
    """A request the fake received (`call_sid` is "" when the path is not a call's)."""

    method: str
    path: str
    call_sid: str
    form: dict[str, str]
    authorized: bool


class _TwilioError(Exception):
    """Raised by the checks: the answer to send."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def _error(status: int, code: int, message: str) -> _TwilioError:
    body = {"code": code, "message": message, "more_info": f"{_MORE_INFO}{code}", "status": status}
    return _TwilioError(status, body)


class FakeTwilioRest(LoopbackHttpServer):
    """Serves Twilio's call-update endpoint on 127.0.0.1 (a free port).

    Attributes:
        live_calls: SIDs of the calls in progress; a test adds to it; a hang-up moves it
            to `ended_calls`.
        ended_calls: SIDs of calls that have ended.
        requests: every request received, in order.
        updates: `(call_sid, form)` of each update accepted, in order.
        delay_s: pause between reading a request and answering it.
    """

    def __init__(self, account_sid: str = DEFAULT_ACCOUNT_SID, auth_token: str = "secret-token") -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.delay_s = 0.0
        self.live_calls: set[str] = set()
        self.ended_calls: set[str] = set()
        self.requests: list[FakeTwilioRequest] = []
        self.updates: list[tuple[str, dict[str, str]]] = []

    @property
    def base_url(self) -> str:
        """The API's origin, `http://127.0.0.1:<port>`."""
        return self.origin

    # -- HTTP -----------------------------------------------------------------------------
    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await _read_head(reader)
            if head is None:
                return
            method, target, headers = head
            raw = await reader.readexactly(int(headers.get("content-length", "0") or "0"))
            status, body = self._handle(method, target, headers, raw)
            if self.delay_s > 0:
                await asyncio.sleep(self.delay_s)
            await _send_json(writer, status, body)
        except ValueError:
            pass

    def _handle(
        self, method: str, target: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, Any]]:
        """Records the request and decides the answer (state changes happen here)."""
        path = urlsplit(target).path
        match = _CALL_PATH.match(path)
        account, call_sid = (unquote(match[1]), unquote(match[2])) if match else ("", "")
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True).items()}
        authorized = self._authorized(headers.get("authorization", ""))
        self.requests.append(FakeTwilioRequest(method, path, call_sid, form, authorized))
        try:
            if not authorized:
                raise _error(401, 20003, "Authenticate")
            if method != "POST" or match is None:
                raise _error(404, 20404, f"The requested resource {path} was not found")
            if account != self.account_sid:
                raise _error(403, 20003, "Authenticate")
            return 200, self._update(call_sid, form, path)
        except _TwilioError as reply:
            return reply.status, reply.body

    def _authorized(self, header: str) -> bool:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return decoded == f"{self.account_sid}:{self.auth_token}"

    def _update(self, call_sid: str, form: dict[str, str], path: str) -> dict[str, Any]:
        if call_sid in self.ended_calls:
            raise _error(400, 21220, "Unable to update record: Call is not in-progress. Cannot redirect.")
        if call_sid not in self.live_calls:
            raise _error(404, 20404, f"The requested resource {path} was not found")
        status = form.get("Status")
        if status is None and "Url" not in form and "Twiml" not in form:
            raise _error(400, 21200, "Calls Resource: one of Status, Url or Twiml is required")
        if status is not None and status not in ("completed", "canceled"):
            raise _error(400, 21200, f"Calls Resource: Status must be completed or canceled, not {status!r}")
        if "Twiml" in form:
            _check_twiml(form["Twiml"])
        self.updates.append((call_sid, dict(form)))
        if status == "completed":
            self.live_calls.discard(call_sid)
            self.ended_calls.add(call_sid)
            return self._call(call_sid, "completed")
        return self._call(call_sid, "in-progress")  # `canceled` leaves an answered call alone

    def _call(self, call_sid: str, status: str) -> dict[str, Any]:
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Calls/{call_sid}.json"
        return {
            "sid": call_sid, "account_sid": self.account_sid, "status": status,
            "api_version": "2010-04-01", "direction": "inbound",
            "from": "+15550001111", "to": "+15550002222", "uri": uri,
        }  # fmt: skip


def _check_twiml(twiml: str) -> None:
    """Twilio parses inline TwiML: it must be well-formed XML rooted at `<Response>`."""
    try:
        root = ET.fromstring(twiml)
    except ET.ParseError as exc:
        raise _error(400, 12100, f"Document parse failure: {exc}") from None
    if root.tag != "Response":
        raise _error(400, 12100, f"Document parse failure: root element is <{root.tag}>, not <Response>")


async def _read_head(reader: asyncio.StreamReader) -> tuple[str, str, dict[str, str]] | None:
    """Request line and headers (lower-case names); None if the client sent nothing."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return method, target, headers


async def _send_json(writer: asyncio.StreamWriter, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    reason = HTTPStatus(status).phrase
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
    head += f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n"
    writer.write(head.encode() + data)
    await writer.drain()
